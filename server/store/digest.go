package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Digester is implemented by the stores Open returns.
type Digester interface {
	// TableDigests returns, for every table of the schema, a SHA-256 over its rows (in a
	// canonical order) and the row count: two equal digests mean the table holds exactly the same
	// data. It reads whole tables, for tests and for staff comparing two copies of a database;
	// it is not meant for a serving path.
	TableDigests(ctx context.Context) (map[string]TableDigest, error)
}

// TableDigest summarises one table's content.
type TableDigest struct {
	Rows int
	Hash string
}

// TableDigests lists the tables of the schema and digests each one in a snapshot.
func (s *db) TableDigests(ctx context.Context) (map[string]TableDigest, error) {
	out := map[string]TableDigest{}
	err := s.runTx(ctx, s.reader, s.readOpts, func(c *conn) error {
		var q string
		if s.d.kind == kindPostgres {
			q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()
				AND table_type = 'BASE TABLE'`
		} else {
			q = `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`
		}
		tables, err := list(c, "tables", func(r scanner) (string, error) {
			var name string
			return name, r.Scan(&name)
		}, q)
		if err != nil {
			return err
		}
		for _, t := range tables {
			d, err := digestTable(c, t)
			if err != nil {
				return fmt.Errorf("store: digest of %s: %w", t, err)
			}
			out[t] = d
		}
		return nil
	})
	return out, err
}

func digestTable(c *conn, table string) (TableDigest, error) {
	// Table names come from the catalogue, not from a caller; quoting keeps them one identifier.
	rows, err := c.tx.QueryContext(c.ctx, `SELECT * FROM "`+strings.ReplaceAll(table, `"`, `""`)+`"`)
	if err != nil {
		return TableDigest{}, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return TableDigest{}, err
	}
	var lines []string
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return TableDigest{}, err
		}
		var b strings.Builder
		for i, v := range vals {
			if i > 0 {
				b.WriteByte(0x1f)
			}
			switch x := v.(type) {
			case []byte:
				b.WriteString(hex.EncodeToString(x))
			case nil:
				b.WriteString("NULL")
			default:
				fmt.Fprint(&b, x)
			}
		}
		lines = append(lines, b.String())
	}
	if err := rows.Err(); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return TableDigest{}, err
	}
	slices.Sort(lines)
	h := sha256.New()
	for _, l := range lines {
		h.Write([]byte(l))
		h.Write([]byte{'\n'})
	}
	return TableDigest{Rows: len(lines), Hash: hex.EncodeToString(h.Sum(nil))}, nil
}
