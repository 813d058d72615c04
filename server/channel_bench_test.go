package server

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/hallkiosk/kiosk/api"
	"github.com/hallkiosk/kiosk/model"
	"github.com/hallkiosk/kiosk/server/channel"
	"github.com/hallkiosk/kiosk/server/store"
)

// BenchmarkChannelNotices measures payment notices recorded per second on the embedded store:
// each iteration is one channel's signed notice over HTTP for an order of its own, verified
// (RSA2 or SM2), its nonce remembered, and the payment recorded in one transaction (the channel
// payment, the payment record, the violation and the order). The orders and the signed notices
// are made before the clock starts.
//
//	go test ./server -run '^$' -bench ChannelNotices -benchtime 2000x -count 3
func BenchmarkChannelNotices(b *testing.B) {
	for _, alg := range []string{channel.RSA2, channel.SM2} {
		b.Run(alg, func(b *testing.B) {
			var bk *bank
			e := newEnv(b, filepath.Join(b.TempDir(), "server.db"), withBank(b, alg, &bk))
			now := e.clock.Now()
			ids := make([]string, b.N)
			err := e.store.Tx(context.Background(), func(tx store.Tx) error {
				for i := range ids {
					ids[i] = fmt.Sprintf("bench-%d", i)
					v := model.Violation{ID: "V-" + ids[i], Plate: model.Plate{Type: "02", Number: "粤B54321"},
						Time: now.Add(-30 * 24 * time.Hour), Place: "深南大道", Code: "1357", Points: 0, Fine: model.Yuan(100),
						Source: model.SourceCamera, Status: model.StatusProcessed, Office: "福田交警大队", OfficeCode: "440304",
						Decision: mustDecision(b, int64(10000+i)), Driver: idA, DecidedAt: now.Add(-24 * time.Hour)}
					if err := tx.PutViolation(v); err != nil {
						return err
					}
					o := store.PayOrder{ID: ids[i], KioskID: e.kiosk.KioskID, PayerID: idA, RequestHash: "h", Status: api.PayOrderWaiting,
						Items: []store.PayOrderItem{{ViolationID: v.ID, Fine: v.Fine}}, Amount: v.Fine, Token: fmt.Sprintf("T%011d", i),
						Channel: "bank", QR: "HKCS:X", CreatedAt: now, ExpiresAt: now.Add(payOrderTTL)}
					if _, err := tx.InsertPayOrder(o); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
			bodies := make([][]byte, b.N)
			headers := make([]http.Header, b.N)
			for i := range bodies {
				bodies[i] = bk.notice(ids[i], fmt.Sprintf("TX%d", i), 10000, now)
				headers[i] = http.Header{}
				if err := channel.SignMessage(headers[i], bk.key, bodies[i], now); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			start := time.Now()
			for i := range bodies {
				if status, code := postNotice(b, e, "bank", headers[i], bodies[i]); status != http.StatusOK || code != channel.AnswerSuccess {
					b.Fatalf("notice %d: %d %s", i, status, code)
				}
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "notices/s")
			b.StopTimer()
			var paid int
			_ = e.store.Read(context.Background(), func(r store.Reader) error {
				for _, id := range ids {
					if o, err := r.PayOrder(id); err == nil && o.Status == api.PayOrderPaid {
						paid++
					}
				}
				return nil
			})
			if paid != b.N {
				b.Fatalf("%d of %d orders paid", paid, b.N)
			}
		})
	}
}
