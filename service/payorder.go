package service

import (
	"context"
	"errors"
	"fmt"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/storage"
)

// Payments by phone need the server: an order is created there and paid to it. These calls
// go straight to the server; offline they fail with ErrUnreachable and the UI offers the card
// or paying later instead.

// CreatePayOrder asks the server for a payment order (idempotent by req.OrderID).
func (s *Service) CreatePayOrder(ctx context.Context, req api.PayOrderRequest) (api.PayOrder, error) {
	o, err := s.cfg.Client.CreatePayOrder(ctx, req)
	return o, reachable(err)
}

// PayOrder reads an order's state.
func (s *Service) PayOrder(ctx context.Context, id string) (api.PayOrder, error) {
	o, err := s.cfg.Client.PayOrder(ctx, id)
	return o, reachable(err)
}

// CancelPayOrder gives an order up; an order paid meanwhile comes back paid.
func (s *Service) CancelPayOrder(ctx context.Context, id string) (api.PayOrder, error) {
	o, err := s.cfg.Client.CancelPayOrder(ctx, id)
	return o, reachable(err)
}

// SimulatePaid marks an order paid on a server that simulates the payment channel (demo
// mode); staff use it in place of a phone.
func (s *Service) SimulatePaid(ctx context.Context, id string) (api.PayOrder, error) {
	o, err := s.cfg.Client.SimulatePaid(ctx, id)
	return o, reachable(err)
}

// VerifyOwner checks an owner's ID number and file number with the server to let driver process
// violations of the owner's vehicle (rule 9). The server records the check and answers its
// token, which the process op carries as proof (the server takes no kiosk's word for it). A
// person who does not own the vehicle gets ErrNoMatch, as wrong numbers do.
func (s *Service) VerifyOwner(ctx context.Context, id model.IDNumber, file model.FileNumber, driver model.IDNumber, plate model.Plate) (string, error) {
	v, err := s.cfg.Client.Verify(ctx, api.Identify{IDNumber: string(id), FileNumber: string(file),
		For: &api.OwnerCheckFor{DriverID: string(driver), PlateType: string(plate.Type), PlateNumber: string(plate.Number)}})
	var se *api.StatusError
	switch {
	case err == nil && v.Token == "":
		return "", fmt.Errorf("service: verify owner: the server answered no token")
	case err == nil:
		return v.Token, nil
	case errors.As(err, &se) && se.Status == 404:
		return "", ErrNoMatch
	}
	return "", reachable(err)
}

// reachable turns a transport failure or a server error into ErrUnreachable; a 4xx answer is
// the server's word and comes back as it is.
func reachable(err error) error {
	var se *api.StatusError
	if err == nil || (errors.As(err, &se) && se.Status < 500) {
		return err
	}
	return errors.Join(ErrUnreachable, err)
}

// Unconfirmed lists the operations of one person that the server has not answered yet (queued
// or sent), oldest first, with their receipts: the "pending confirmation" view. Other people's
// operations are never listed.
func (s *Service) Unconfirmed(person model.IDNumber) ([]storage.Entry, error) {
	waiting, _, err := s.personEntries(string(person))
	return waiting, err
}
