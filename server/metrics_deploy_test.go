package server

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"gopkg.in/yaml.v3"
)

// Every metric the Grafana dashboard and the alerting rules in deploy/ read is one this server
// exports: each name their expressions use is a family in a real server's scrape, driven so
// that those families have samples (a _bucket, _sum or _count name counts for its histogram's
// family). A renamed or dropped metric, or a typo in a query, fails here rather than as an
// empty panel or an alert that can never fire.
func TestDeployFilesReadExportedMetrics(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		driveFleet(t, e)
		m := scrapeMetrics(t, e.srv.Handler())
		exported := func(name string) bool {
			if len(m.families[name].GetMetric()) > 0 {
				return true
			}
			for _, suffix := range []string{"_bucket", "_sum", "_count"} {
				if base, ok := strings.CutSuffix(name, suffix); ok {
					if f := m.families[base]; f.GetType() == dto.MetricType_HISTOGRAM && len(f.GetMetric()) > 0 {
						return true
					}
				}
			}
			return false
		}
		exprs := deployExpressions(t)
		if len(exprs) < 20 {
			t.Fatalf("read only %d expressions from deploy/: %v", len(exprs), exprs)
		}
		for where, expr := range exprs {
			names, err := promqlMetricNames(expr)
			if err != nil {
				t.Errorf("%s: %v", where, err)
				continue
			}
			if len(names) == 0 {
				t.Errorf("%s: names no metric: %s", where, expr)
			}
			for _, name := range names {
				if !exported(name) {
					t.Errorf("%s reads %s, which the server does not export (or the test does not drive)", where, name)
				}
			}
		}
	})
}

// deployExpressions reads every PromQL expression of deploy/: each alerting rule's expr and
// each dashboard query's expr, by where it is.
func deployExpressions(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	data, err := os.ReadFile("../deploy/prometheus/kiosk-alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	var rules struct {
		Groups []struct {
			Rules []struct {
				Alert, Record, Expr string
			}
		}
	}
	if err := yaml.Unmarshal(data, &rules); err != nil {
		t.Fatalf("kiosk-alerts.yml: %v", err)
	}
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			out["rule "+r.Alert+r.Record] = r.Expr
		}
	}
	data, err = os.ReadFile("../deploy/grafana/kiosk-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash any
	if err := json.Unmarshal(data, &dash); err != nil {
		t.Fatalf("kiosk-dashboard.json: %v", err)
	}
	// Every "expr" anywhere in the dashboard (panels, rows' panels, targets), named by the
	// panel's title and the query's refId.
	var walk func(v any, panel string)
	walk = func(v any, panel string) {
		switch v := v.(type) {
		case map[string]any:
			if title, ok := v["title"].(string); ok {
				panel = title
			}
			if expr, ok := v["expr"].(string); ok {
				ref, _ := v["refId"].(string)
				out["panel "+panel+" "+ref] = expr
			}
			for _, child := range v {
				walk(child, panel)
			}
		case []any:
			for _, child := range v {
				walk(child, panel)
			}
		}
	}
	walk(dash, "")
	return out
}
