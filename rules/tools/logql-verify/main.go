// Command logql-verify runs the converted Loki rules (collector-config/loki/kata-rules.yaml)
// through Loki's own LogQL parser and log pipeline (github.com/grafana/loki/v3, pinned in
// go.mod) on the records of the rule test cases and the parser fixtures, and fails when a
// converted rule decides differently from the Sigma rule: a positive case that does not match,
// a negative case that matches, a fixture line that does not get its category, or a benign
// fixture record that fires. Records come from dump-cases.js (the kata-otel parser), with
// attributes as Loki's OTLP endpoint stores them: structured metadata named with every
// character outside [a-zA-Z0-9_] turned into "_", service.name as the service_name label.
//
// Usage: go run . RULER_YAML CASES_JSON   (rules/tools/sigma-interop.sh --verify-logql does it)
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"

	"github.com/grafana/loki/v3/pkg/logql/log"
	"github.com/grafana/loki/v3/pkg/logql/syntax"
	"github.com/prometheus/prometheus/model/labels"
	"gopkg.in/yaml.v3"
)

type rec struct {
	Body    string            `json:"body"`
	Service string            `json:"service"`
	SM      map[string]string `json:"sm"`
}
type dump struct {
	Cases []struct {
		Alert   string `json:"alert"`
		N       int    `json:"n"`
		Match   bool   `json:"match"`
		Records []rec  `json:"records"`
	} `json:"cases"`
	Fixtures []struct {
		File   string `json:"file"`
		Want   string `json:"want"`
		Record rec    `json:"record"`
	} `json:"fixtures"`
}
type ruler struct {
	Groups []struct {
		Rules []struct {
			Alert  string            `yaml:"alert"`
			Expr   string            `yaml:"expr"`
			Labels map[string]string `yaml:"labels"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}
type alert struct {
	cat string
	p   log.Pipeline
}

func matches(a alert, r rec) bool {
	sp := a.p.ForStream(labels.FromStrings("service_name", r.Service))
	keys := make([]string, 0, len(r.SM))
	for k := range r.SM {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	sm := make([]labels.Label, 0, len(keys))
	for _, k := range keys {
		sm = append(sm, labels.Label{Name: k, Value: r.SM[k]})
	}
	_, _, ok := sp.Process(0, []byte(r.Body), sm...)
	return ok
}

func main() {
	var rf ruler
	b, _ := os.ReadFile(os.Args[1])
	if err := yaml.Unmarshal(b, &rf); err != nil {
		panic(err)
	}
	alerts := map[string]alert{}
	for _, g := range rf.Groups {
		for _, r := range g.Rules {
			e, err := syntax.ParseExpr(r.Expr)
			if err != nil {
				panic(err)
			}
			var sel syntax.LogSelectorExpr
			e.Walk(func(x syntax.Expr) {
				if s, ok := x.(syntax.LogSelectorExpr); ok && sel == nil {
					sel = s
				}
			})
			p, err := sel.Pipeline()
			if err != nil {
				panic(err)
			}
			alerts[r.Alert] = alert{cat: r.Labels["kata_category"], p: p}
		}
	}
	var d dump
	b, _ = os.ReadFile(os.Args[2])
	if err := json.Unmarshal(b, &d); err != nil {
		panic(err)
	}
	fails, n := 0, 0
	for _, c := range d.Cases {
		a, ok := alerts[c.Alert]
		if !ok {
			continue // informational or correlation: not converted
		}
		n++
		got := false
		for _, r := range c.Records {
			if matches(a, r) {
				got = true
			}
		}
		if got != c.Match {
			fails++
			fmt.Printf("FAIL %s case %d: want %v got %v\n", c.Alert, c.N, c.Match, got)
		}
	}
	for _, f := range d.Fixtures {
		fired := []string{}
		hit := false
		for name, a := range alerts {
			if matches(a, f.Record) {
				fired = append(fired, name)
				if a.cat == f.Want {
					hit = true
				}
			}
		}
		if f.Want != "" && !hit {
			fails++
			fmt.Printf("FAIL fixture %s: want %s, fired %v: %.100s\n", f.File, f.Want, fired, f.Record.Body)
		}
		if f.Want == "" && len(fired) > 0 {
			fails++
			fmt.Printf("FAIL fixture %s: benign record fired %v: %.100s\n", f.File, fired, f.Record.Body)
		}
	}
	fmt.Printf("%d alerts, %d cases evaluated with Loki's LogQL pipeline, %d fixture records, %d failures\n", len(alerts), n, len(d.Fixtures), fails)
	if fails > 0 {
		os.Exit(1)
	}
}
