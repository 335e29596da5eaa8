package conformance

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// A Run is one server's results, in the order of the cases replayed.
type Run struct {
	Server  string
	Results []Result
}

// Outcome is one case's result on one server, classified.
type Outcome struct {
	Class  Class  `json:"class"`
	Detail string `json:"detail"`
	Result Result `json:"result"`
}

// CaseReport is one case with its outcome on every server.
type CaseReport struct {
	Key      string             `json:"key"`
	Name     string             `json:"name"`
	Where    string             `json:"where"`
	Verdict  string             `json:"verdict"`
	Note     string             `json:"note,omitempty"`
	Expect   Class              `json:"expect,omitempty"`
	Outcomes map[string]Outcome `json:"outcomes"`
}

// Report classifies every run's results.
func Report(cases []Case, runs []Run) []CaseReport {
	out := make([]CaseReport, len(cases))
	for i, c := range cases {
		cr := CaseReport{Key: c.Key, Name: c.Name, Where: c.Where, Verdict: c.Verdict, Note: c.Note, Expect: ExpectedClass(c), Outcomes: map[string]Outcome{}}
		for _, run := range runs {
			r := run.Results[i]
			cl, detail := Classify(c, r)
			cr.Outcomes[run.Server] = Outcome{cl, detail, r}
		}
		out[i] = cr
	}
	return out
}

// ExpectedClass is the class a strict server gets for a case: c.Expect
// when set, else Expected(c.Verdict).
func ExpectedClass(c Case) Class {
	if c.Expect != "" {
		return c.Expect
	}
	return Expected(c.Verdict)
}

// Expected is the class a strict server gets for a verdict: valid
// cases accepted, invalid and lenient-only rejected, incomplete
// waiting. Upgrade and finish cases have none ("").
func Expected(verdict string) Class {
	switch verdict {
	case "valid":
		return Accepted
	case "invalid", "lenient-only":
		return Rejected
	case "incomplete":
		return Waiting
	}
	return ""
}

// group is a row of the counts table.
func group(corpus, verdict string) string { return corpus + " " + verdict }

var groupOrder = []string{
	"llhttp valid", "llhttp invalid", "llhttp lenient-only", "llhttp upgrade", "llhttp incomplete", "llhttp finish",
	"picohttpparser valid", "picohttpparser invalid", "picohttpparser incomplete",
}

// Counts returns, per group ("llhttp invalid") and class, the number of
// cases of one server.
func Counts(cases []Case, reports []CaseReport, server string) map[string]map[Class]int {
	counts := map[string]map[Class]int{}
	for i, c := range cases {
		g := group(c.Corpus, c.Verdict)
		if counts[g] == nil {
			counts[g] = map[Class]int{}
		}
		counts[g][reports[i].Outcomes[server].Class]++
	}
	return counts
}

// WriteMarkdown writes the counts side by side and the cases on which
// the servers differ.
func WriteMarkdown(w io.Writer, cases []Case, reports []CaseReport, servers []string) {
	totals := map[string]int{}
	for _, c := range cases {
		totals[group(c.Corpus, c.Verdict)]++
	}
	counts := map[string]map[string]map[Class]int{}
	for _, s := range servers {
		counts[s] = Counts(cases, reports, s)
	}
	tableHead(w, "| corpus, verdict | cases | expected |", "|---|---:|---|", servers)
	for _, g := range groupOrder {
		if totals[g] == 0 {
			continue
		}
		exp := Expected(strings.SplitN(g, " ", 2)[1])
		expText := string(exp)
		if exp == "" {
			expText = "(recorded)"
		}
		fmt.Fprintf(w, "| %s | %d | %s |", g, totals[g], expText)
		for _, s := range servers {
			fmt.Fprintf(w, " %s |", cell(counts[s][g]))
		}
		fmt.Fprintln(w)
	}

	expected, as := 0, map[string]int{}
	for _, cr := range reports {
		if cr.Expect == "" {
			continue
		}
		expected++
		for _, s := range servers {
			if cr.Outcomes[s].Class == cr.Expect {
				as[s]++
			}
		}
	}
	fmt.Fprintf(w, "| **with the expected class** | %d | |", expected)
	for _, s := range servers {
		fmt.Fprintf(w, " **%d** |", as[s])
	}
	fmt.Fprintln(w)

	fmt.Fprintf(w, "\nCases where the servers differ, or where a server does not get the expected class (`*`):\n\n")
	tableHead(w, "| case | verdict | name |", "|---|---|---|", servers)
	for _, cr := range reports {
		exp := cr.Expect
		same, asExpected := true, true
		first := cr.Outcomes[servers[0]].Class
		for _, s := range servers {
			o := cr.Outcomes[s]
			if o.Class != first {
				same = false
			}
			if exp != "" && o.Class != exp {
				asExpected = false
			}
		}
		if same && asExpected {
			continue
		}
		fmt.Fprintf(w, "| %s | %s | %s |", cr.Key, cr.Verdict, mdEscape(cr.Name))
		for _, s := range servers {
			o := cr.Outcomes[s]
			mark := ""
			if exp != "" && o.Class != exp {
				mark = "*"
			}
			fmt.Fprintf(w, " %s%s: %s |", mark, o.Class, mdEscape(o.Result.String()))
		}
		fmt.Fprintln(w)
	}
}

func cell(m map[Class]int) string {
	var parts []string
	for _, cl := range []Class{Accepted, Rejected, Waiting, Failed} {
		if m[cl] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", cl, m[cl]))
		}
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
}

func mdEscape(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}

// Servers returns the server names of runs, in order.
func Servers(runs []Run) []string {
	var s []string
	for _, r := range runs {
		s = append(s, r.Server)
	}
	return s
}

// Sorted returns the keys of m in order (for stable output).
func Sorted[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// tableHead writes a Markdown table head: the fixed columns, then one
// column per server.
func tableHead(w io.Writer, head, rule string, servers []string) {
	fmt.Fprint(w, head)
	for _, s := range servers {
		fmt.Fprintf(w, " %s |", s)
	}
	fmt.Fprint(w, "\n"+rule)
	for range servers {
		fmt.Fprint(w, "---|")
	}
	fmt.Fprintln(w)
}
