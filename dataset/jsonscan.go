package dataset

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"
)

// scanFrame is one open object or array during scanJSON.
type scanFrame struct {
	path    string
	array   bool
	index   int             // next element's index, in an array
	keys    map[string]bool // keys seen so far, in an object
	key     string          // the key whose value comes next, in an object
	wantKey bool
}

// childPath is the path of the value that comes next inside f.
func (f *scanFrame) childPath() string {
	if f == nil {
		return ""
	}
	if f.array {
		return f.path + "[" + strconv.Itoa(f.index) + "]"
	}
	return keyPath(f.path, f.key)
}

// valueDone moves f past one complete value.
func (f *scanFrame) valueDone() {
	if f == nil {
		return
	}
	if f.array {
		f.index++
	} else {
		f.wantKey = true
	}
}

func joinPath(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

// scanJSON checks what encoding/json lets pass silently: the first syntax error, reported with
// line and column so staff can find it in an editor, a key repeated in one object (the decoder
// would keep the last value and hide the first), and anything after the document. It reports
// whether the document can be decoded at all.
func scanJSON(data []byte, c *collector) bool {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var stack []*scanFrame
	started := false
	for {
		tok, err := dec.Token()
		switch {
		case err == io.EOF && len(stack) > 0:
			c.add("", "%s", syntaxMessage(data))
			return false
		case err == io.EOF && !started:
			c.add("", "the file is empty; an import file is one JSON object, see docs/import-format.md")
			return false
		case err == io.EOF:
			return true
		case err != nil:
			c.add("", "%s", syntaxMessage(data))
			return false
		case started && len(stack) == 0:
			line, col := lineColumn(data, dec.InputOffset()-1)
			c.add("", "line %d, column %d: there is more after the end of the JSON document; "+
				"an import file holds exactly one object", line, col)
			return false
		}
		started = true
		stack = scanToken(stack, tok, c)
	}
}

// scanToken moves the scan past one token and returns the new stack of open values.
func scanToken(stack []*scanFrame, tok json.Token, c *collector) []*scanFrame {
	var f *scanFrame
	if len(stack) > 0 {
		f = stack[len(stack)-1]
	}
	pop := func() []*scanFrame {
		stack = stack[:len(stack)-1]
		if len(stack) > 0 {
			stack[len(stack)-1].valueDone()
		}
		return stack
	}
	if f != nil && !f.array && f.wantKey {
		if tok == json.Delim('}') {
			return pop()
		}
		key, _ := tok.(string)
		if f.keys[key] {
			c.add(keyPath(f.path, key), "key %s appears twice in the same object; keep one of them", shownKey(key))
		}
		f.keys[key], f.key, f.wantKey = true, key, false
		return stack
	}
	switch tok {
	case json.Delim('{'):
		return append(stack, &scanFrame{path: f.childPath(), keys: map[string]bool{}, wantKey: true})
	case json.Delim('['):
		return append(stack, &scanFrame{path: f.childPath(), array: true})
	case json.Delim(']'):
		return pop()
	}
	f.valueDone()
	return stack
}

// syntaxMessage words the first syntax error with the line and column of the character at
// fault. The token scanner's offsets are approximate, so the document is parsed once more, which
// costs nothing next to an import that fails anyway.
func syntaxMessage(data []byte) string {
	var v any
	err := json.Unmarshal(data, &v)
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		return "the JSON is malformed"
	}
	if se.Offset >= int64(len(data)) {
		line, col := lineColumn(data, int64(len(data)))
		return fmt.Sprintf("line %d, column %d: the file ends in the middle of the JSON document; "+
			"a closing bracket, brace or quote is missing", line, col)
	}
	line, col := lineColumn(data, se.Offset-1)
	return fmt.Sprintf("line %d, column %d: the JSON is malformed: %s", line, col, se.Error())
}

// lineColumn turns a byte offset into a 1-based line and column, counting characters, not bytes,
// so the column matches what an editor shows for Chinese text.
func lineColumn(data []byte, offset int64) (int, int) {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	if offset < 0 {
		offset = 0
	}
	before := data[:offset]
	line := bytes.Count(before, []byte("\n")) + 1
	lineStart := bytes.LastIndexByte(before, '\n') + 1
	return line, utf8.RuneCount(before[lineStart:]) + 1
}
