package deploy

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// The alerting rules and the Grafana dashboard for the server's /metrics. That every metric
// they name is one the server exports is checked in package server (metrics_deploy_test.go),
// against a real server's scrape.

const (
	alertRules = "prometheus/kiosk-alerts.yml"
	alertTests = "prometheus/kiosk-alerts.test.yml"
	dashboard  = "grafana/kiosk-dashboard.json"
)

// ruleFile is the part of a Prometheus rule file these tests read.
type ruleFile struct {
	Groups []struct {
		Name  string `yaml:"name"`
		Rules []struct {
			Alert       string            `yaml:"alert"`
			Record      string            `yaml:"record"`
			Expr        string            `yaml:"expr"`
			For         string            `yaml:"for"`
			Labels      map[string]string `yaml:"labels"`
			Annotations map[string]string `yaml:"annotations"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

func readRules(t *testing.T) ruleFile {
	t.Helper()
	data, err := os.ReadFile(alertRules)
	if err != nil {
		t.Fatal(err)
	}
	var rf ruleFile
	if err := yaml.Unmarshal(data, &rf); err != nil {
		t.Fatalf("%s: %v", alertRules, err)
	}
	return rf
}

// promtool (Debian's prometheus package) accepts the rules, and their unit tests pass: a call
// unanswered for more than 3 minutes, a kiosk silent for 10, and each other alert fire when
// they should and not before.
func TestAlertRulesPassPromtool(t *testing.T) {
	promtool := needTool(t, "promtool", "prometheus")
	if out, err := exec.Command(promtool, "check", "rules", alertRules).CombinedOutput(); err != nil {
		t.Fatalf("promtool check rules: %v\n%s", err, out)
	}
	// promtool test rules reads rule_files relative to the test file.
	if out, err := exec.Command(promtool, "test", "rules", alertTests).CombinedOutput(); err != nil {
		t.Fatalf("promtool test rules: %v\n%s", err, out)
	}
}

// Every alert the deployment promises is there, says how grave it is and what to do, has a unit
// test, and is explained in docs/DEPLOY.md.
func TestAlertRulesSayWhatToDo(t *testing.T) {
	rf := readRules(t)
	tests, err := os.ReadFile(alertTests)
	if err != nil {
		t.Fatal(err)
	}
	guide, err := os.ReadFile("../docs/DEPLOY.md")
	if err != nil {
		t.Fatal(err)
	}
	_, alertsDoc, _ := strings.Cut(string(guide), "\n### Alerts\n")
	if alertsDoc == "" {
		t.Fatal(`docs/DEPLOY.md has no "### Alerts" section`)
	}
	alertsDoc, _, _ = strings.Cut(alertsDoc, "\n## ")
	var names []string
	for _, g := range rf.Groups {
		for _, r := range g.Rules {
			if r.Alert == "" {
				t.Errorf("group %s: a rule that is not an alert (record %q): keep recording rules elsewhere", g.Name, r.Record)
				continue
			}
			names = append(names, r.Alert)
			if s := r.Labels["severity"]; s != "critical" && s != "warning" {
				t.Errorf("%s: severity %q, want critical or warning", r.Alert, s)
			}
			for _, a := range []string{"summary", "description"} {
				if strings.TrimSpace(r.Annotations[a]) == "" {
					t.Errorf("%s: no %s annotation", r.Alert, a)
				}
			}
			if !strings.Contains(string(tests), "alertname: "+r.Alert+"\n") {
				t.Errorf("%s: no unit test in %s", r.Alert, alertTests)
			}
			if !strings.Contains(alertsDoc, "`"+r.Alert+"`") {
				t.Errorf("%s: not explained in docs/DEPLOY.md, Alerts", r.Alert)
			}
		}
	}
	for _, want := range []string{"KioskSilent", "KioskOutboxOld", "KioskRejectionsOpen", "KioskOperationsRejected",
		"KioskPrinterOutOfPaper", "KioskStaffCallUnanswered", "KioskServerStoreNotWritable", "KioskStoreFull"} {
		if !slices.Contains(names, want) {
			t.Errorf("no alert %s", want)
		}
	}
}

// grafanaVariable is a Grafana template variable in an expression: $name, ${name} or
// ${name:format}.
var grafanaVariable = regexp.MustCompile(`\$(\{[A-Za-z0-9_]+(:[a-z]+)?\}|[A-Za-z0-9_]+)`)

// The dashboard imports anywhere: its Prometheus data source is a variable every panel and
// query uses (no uid of ours), panel ids are unique, panels fit the 24-column grid, and every
// query is PromQL that promtool parses (each checked as a recording rule, with Grafana's
// $__rate_interval standing for a range).
func TestDashboardImports(t *testing.T) {
	data, err := os.ReadFile(dashboard)
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		UID        string `json:"uid"`
		Title      string `json:"title"`
		Schema     int    `json:"schemaVersion"`
		Templating struct {
			List []struct {
				Name, Type, Query string
			} `json:"list"`
		} `json:"templating"`
		Panels []dashboardPanel `json:"panels"`
	}
	if err := json.Unmarshal(data, &d); err != nil {
		t.Fatalf("%s: %v", dashboard, err)
	}
	if d.UID == "" || d.Title == "" || d.Schema == 0 || len(d.Panels) == 0 {
		t.Fatalf("dashboard without uid, title, schemaVersion or panels: %q %q %d", d.UID, d.Title, d.Schema)
	}
	i := slices.IndexFunc(d.Templating.List, func(v struct{ Name, Type, Query string }) bool { return v.Name == "datasource" })
	if i < 0 || d.Templating.List[i].Type != "datasource" || d.Templating.List[i].Query != "prometheus" {
		t.Fatalf("no Prometheus data source variable: %+v", d.Templating.List)
	}
	var exprs []string
	ids := map[int]bool{}
	var check func(ps []dashboardPanel)
	check = func(ps []dashboardPanel) {
		for _, p := range ps {
			if ids[p.ID] || p.Title == "" {
				t.Errorf("panel %d %q: duplicate id or no title", p.ID, p.Title)
			}
			ids[p.ID] = true
			if p.Grid.W <= 0 || p.Grid.H <= 0 || p.Grid.X < 0 || p.Grid.X+p.Grid.W > 24 {
				t.Errorf("panel %q: gridPos %+v outside the 24 columns", p.Title, p.Grid)
			}
			check(p.Panels)
			if p.Type == "row" {
				continue
			}
			if p.Datasource.UID != "${datasource}" || len(p.Targets) == 0 {
				t.Errorf("panel %q: data source %+v, %d queries; want ${datasource} and a query", p.Title, p.Datasource, len(p.Targets))
			}
			for _, q := range p.Targets {
				if q.Datasource.UID != "${datasource}" || strings.TrimSpace(q.Expr) == "" {
					t.Errorf("panel %q, query %s: data source %+v, expr %q", p.Title, q.RefID, q.Datasource, q.Expr)
				}
				exprs = append(exprs, q.Expr)
			}
		}
	}
	check(d.Panels)

	promtool := needTool(t, "promtool", "prometheus")
	var rules strings.Builder
	rules.WriteString("groups:\n  - name: dashboard\n    rules:\n")
	for n, e := range exprs {
		e = strings.ReplaceAll(e, "$__rate_interval", "5m")
		if v := grafanaVariable.FindString(e); v != "" {
			t.Errorf("query %q uses the variable %s, which the server's metrics cannot fill", e, v)
			continue
		}
		quoted, _ := json.Marshal(e) // a JSON string is a YAML double-quoted scalar
		rules.WriteString("      - record: dashboard:query_" + strconv.Itoa(n) + "\n        expr: " + string(quoted) + "\n")
	}
	path := filepath.Join(t.TempDir(), "dashboard-queries.yml")
	if err := os.WriteFile(path, []byte(rules.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(promtool, "check", "rules", path).CombinedOutput(); err != nil {
		t.Fatalf("the dashboard's queries as rules: %v\n%s\n%s", err, out, rules.String())
	}
}

type dashboardPanel struct {
	ID         int    `json:"id"`
	Type       string `json:"type"`
	Title      string `json:"title"`
	Datasource struct {
		Type string `json:"type"`
		UID  string `json:"uid"`
	} `json:"datasource"`
	Grid struct {
		X int `json:"x"`
		Y int `json:"y"`
		W int `json:"w"`
		H int `json:"h"`
	} `json:"gridPos"`
	Targets []struct {
		RefID      string `json:"refId"`
		Expr       string `json:"expr"`
		Datasource struct {
			UID string `json:"uid"`
		} `json:"datasource"`
	} `json:"targets"`
	Panels []dashboardPanel `json:"panels"`
}
