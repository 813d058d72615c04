// Package idreader drives a second-generation resident ID card reader (二代身份证阅读器) over a
// serial line: it owns the frame format of the reader's security module (SAM), the find → select
// → read exchange, the reader's status codes and the layout of the card's text block.
//
// What the package does not do, on purpose:
//   - It never decodes the photo. The chip holds it in WLT form, which only the vendor's licensed
//     decoder can turn into an image; Card.Photo carries the bytes on untouched.
//   - It never logs and never puts a card's content into an error message: name, number and
//     address are personal data. Errors carry status codes and advice only, and Card's String
//     method hides the content from accidental %v formatting.
//   - It keeps no package-level state: every Reader owns its line, buffers and timeouts.
//
// The frame and the command codes follow the vendors' published notes on GA/T 467-2019 (the
// kiosk's research notes, section 4, list them); the crypto stays inside the reader's SAM, so
// the host side is plain framing.
package idreader
