package server

import "fmt"

// shapeLimits bound the structure of a JSON body before it is decoded. Decoding builds every
// element it meets: a 4 MB body of a million empty objects becomes a million operations, hundreds
// of megabytes, before any count can be checked. Scanning the bytes first costs no allocation
// and refuses such a body outright.
type shapeLimits struct {
	topArray  int // elements of an array that is a member of the top-level object (the ops)
	array     int // elements of any deeper array
	members   int // members of any object
	maxDepth  int // nesting of objects and arrays
	topMember string
}

// opsShape is the shape of POST /v1/ops: at most maxOps operations; lists inside one operation
// are bounded by checkOp far lower, so the scan's bound for them only stops absurd bodies, and a
// merely long list still gets its per-operation rejection with a path.
func opsShape() shapeLimits {
	return shapeLimits{topArray: maxOps, array: 1000, members: 64, maxDepth: 8, topMember: "operations"}
}

// shapeError says which bound a body broke.
type shapeError struct{ what string }

func (e *shapeError) Error() string { return e.what }

// scanShape walks body once and reports the first bound it breaks. It does not validate JSON:
// the decoder that runs afterwards does; on any input it terminates in one pass without
// allocating beyond its fixed stack.
func scanShape(body []byte, lim shapeLimits) error {
	type frame struct {
		array      bool
		limit, n   int
		sawElement bool
	}
	stack := make([]frame, 0, lim.maxDepth)
	inString, escaped := false, false
	// element notes that a value starts inside the innermost container.
	element := func() {
		if len(stack) == 0 {
			return
		}
		top := &stack[len(stack)-1]
		if top.array && !top.sawElement {
			top.sawElement, top.n = true, 1
		}
	}
	for _, c := range body {
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch c {
		case ' ', '\t', '\n', '\r', ':':
		case '"':
			// An object's key is a string too; only values in arrays count, and an object's
			// members are counted by their commas.
			element()
			inString = true
		case '{', '[':
			element()
			if len(stack) == lim.maxDepth {
				return &shapeError{fmt.Sprintf("the JSON nests deeper than %d levels", lim.maxDepth)}
			}
			f := frame{array: c == '['}
			switch {
			case !f.array:
				f.limit, f.sawElement, f.n = lim.members, true, 1
			case len(stack) == 1:
				f.limit = lim.topArray
			default:
				f.limit = lim.array
			}
			stack = append(stack, f)
		case '}', ']':
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		case ',':
			if len(stack) == 0 {
				continue
			}
			top := &stack[len(stack)-1]
			top.n++
			if top.n > top.limit {
				switch {
				case !top.array:
					return &shapeError{fmt.Sprintf("an object has more than %d members", top.limit)}
				case len(stack) == 2 && lim.topMember != "":
					return &shapeError{fmt.Sprintf("more than %d %s: send at most %d per request", top.limit, lim.topMember, top.limit)}
				default:
					return &shapeError{fmt.Sprintf("a list has more than %d elements", top.limit)}
				}
			}
		default:
			element() // a number, true, false or null
		}
	}
	return nil
}
