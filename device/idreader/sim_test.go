package idreader

import (
	"errors"
	"io"
	"sync"
	"time"
)

// simReader answers requests the way a reader does, from the bytes up: it decodes request
// frames and writes reply frames. Its fields choose the behaviour a test needs.
type simReader struct {
	card []byte // data of the read reply (encodeCardData)

	noCardFinds  int    // answer "no card" (80) to this many finds first; -1: always
	selectStatus Status // 0: ok
	readStatus   Status // 0: ok
	corruptRead  bool   // flip the read reply's checksum
	silent       bool   // never answer anything
	noise        []byte // written before every reply
	delay        time.Duration

	mu       sync.Mutex
	requests []Command
}

// serve answers until rw fails (the test closed the line). done is closed on return.
func (s *simReader) serve(rw io.ReadWriter, done chan<- struct{}) {
	defer close(done)
	dec := NewDecoder(rw)
	for {
		req, err := dec.ReadRequest()
		if err != nil {
			if errors.Is(err, ErrChecksum) || errors.Is(err, ErrFrameLength) || errors.Is(err, ErrNoFrame) {
				continue // a real reader ignores a broken request; so do we
			}
			return
		}
		frame := s.answer(req)
		if frame == nil {
			continue
		}
		time.Sleep(s.delay)
		if _, err := rw.Write(append(append([]byte(nil), s.noise...), frame...)); err != nil {
			return
		}
	}
}

func (s *simReader) answer(req Request) []byte {
	s.mu.Lock()
	s.requests = append(s.requests, req.Cmd)
	finds := 0
	for _, c := range s.requests {
		if c == CmdFind {
			finds++
		}
	}
	s.mu.Unlock()
	if s.silent {
		return nil
	}
	switch req.Cmd {
	case CmdFind:
		if s.noCardFinds < 0 || finds <= s.noCardFinds {
			return EncodeReply(Reply{SW3: StatusFindFailed, Data: make([]byte, 4)})
		}
		return EncodeReply(Reply{SW3: StatusCardFound, Data: make([]byte, 4)})
	case CmdSelect:
		return EncodeReply(Reply{SW3: orOK(s.selectStatus), Data: make([]byte, 8)})
	case CmdReadText:
		if st := orOK(s.readStatus); st != StatusOK {
			return EncodeReply(Reply{SW3: st})
		}
		f := EncodeReply(Reply{SW3: StatusOK, Data: s.card})
		if s.corruptRead {
			f[len(f)-1] ^= 0x01
		}
		return f
	case CmdStatus:
		return EncodeReply(Reply{SW3: StatusOK})
	}
	return EncodeReply(Reply{SW3: StatusBadCommand})
}

// commands is what the simulator was asked, in order.
func (s *simReader) commands() []Command {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Command(nil), s.requests...)
}

func orOK(s Status) Status {
	if s == 0 {
		return StatusOK
	}
	return s
}
