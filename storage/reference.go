package storage

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// RefDoc is one reference-data document (profile, catalogue, texts). Reference data holds no
// personal data and is stored plain.
type RefDoc struct {
	Kind, Key string
	Body      []byte
}

// refKey is Kind NUL Key: byte order then sorts by Kind, then Key.
func refKey(d RefDoc) ([]byte, error) {
	if d.Kind == "" || strings.ContainsRune(d.Kind, 0) || strings.ContainsRune(d.Key, 0) {
		return nil, errors.New("reference document needs a kind, and no NUL in kind or key")
	}
	return []byte(d.Kind + "\x00" + d.Key), nil
}

// PutReference stores documents and the change-feed cursor in one transaction, so that the
// cursor never runs ahead of the data. full replaces all documents.
func (s *Store) PutReference(cursor string, full bool, docs []RefDoc) error {
	err := s.update(func(tx *bolt.Tx) error {
		if full {
			if err := tx.DeleteBucket([]byte(bucketRef)); err != nil {
				return err
			}
			if _, err := tx.CreateBucket([]byte(bucketRef)); err != nil {
				return err
			}
		}
		ref, err := bucket(tx, bucketRef)
		if err != nil {
			return err
		}
		for _, d := range docs {
			k, err := refKey(d)
			if err != nil {
				return err
			}
			if err := ref.Put(k, d.Body); err != nil {
				return fmt.Errorf("document %s/%s: %w", d.Kind, d.Key, err)
			}
		}
		meta, err := bucket(tx, bucketMeta)
		if err != nil {
			return err
		}
		return meta.Put([]byte(metaRefCursor), []byte(cursor))
	})
	return wrapIf(err, "storage: put reference")
}

// Reference returns the cursor and every document, sorted by Kind, then Key.
func (s *Store) Reference() (string, []RefDoc, error) {
	var cursor string
	var docs []RefDoc
	err := s.view(func(tx *bolt.Tx) error {
		meta, err := bucket(tx, bucketMeta)
		if err != nil {
			return err
		}
		cursor = string(meta.Get([]byte(metaRefCursor)))
		ref, err := bucket(tx, bucketRef)
		if err != nil {
			return err
		}
		return ref.ForEach(func(k, v []byte) error {
			kind, key, _ := bytes.Cut(k, []byte{0})
			docs = append(docs, RefDoc{Kind: string(kind), Key: string(key), Body: clone(v)})
			return nil
		})
	})
	if err != nil {
		return "", nil, fmt.Errorf("storage: reference: %w", err)
	}
	return cursor, docs, nil
}
