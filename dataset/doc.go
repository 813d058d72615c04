// Package dataset owns the import file of the central server (kiosk import FILE.json) and the
// demo data set. Decode reads and validates an import file with every value going through the
// model parsers, and reports every problem by its JSON path; Encode writes the same format. Demo
// generates a realistic, deterministic data set that passes that validation, including the fixed
// personas a demo user can type in.
//
// Problem messages never repeat a whole ID number, plate number, name or phone number from the
// input: the path names the record, so the report can go to a log or a ticket safely.
package dataset
