package dataset

import (
	"fmt"
	"strings"
)

// maxProblems caps the report: past a hundred, the file has a systematic error and the first
// hundred show it well enough.
const maxProblems = 100

// Problem is one thing wrong with an import file: where (a JSON path such as
// "people[3].licence.file_number", records counted from 0) and what is wrong and how to fix it.
// An empty Path means the document as a whole.
type Problem struct {
	Path    string
	Message string
}

func (p Problem) String() string {
	if p.Path == "" {
		return p.Message
	}
	return p.Path + ": " + p.Message
}

// Problems is the error Decode returns for invalid content: every problem found, in file order.
// When there are more than 100, the list holds the first 100 and a last entry with an empty Path
// that says how many more there are.
type Problems []Problem

// Error lists the problems one per line.
func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// collector gathers problems during one Decode, keeping the first maxProblems and counting the
// rest.
type collector struct {
	list    Problems
	dropped int
}

func (c *collector) add(path, format string, args ...any) {
	if len(c.list) >= maxProblems {
		c.dropped++
		return
	}
	c.list = append(c.list, Problem{Path: path, Message: fmt.Sprintf(format, args...)})
}

func (c *collector) empty() bool { return len(c.list) == 0 }

// result is the error to return: nil when nothing was found.
func (c *collector) result() error {
	if c.empty() {
		return nil
	}
	out := c.list
	if c.dropped > 0 {
		out = append(out, Problem{Message: fmt.Sprintf(
			"%d more problems are not listed; fix the ones above and run the import again", c.dropped)})
	}
	return out
}
