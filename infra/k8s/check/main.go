// Command check renders the notify Helm chart with Helm's own library, for its default values and
// for each values file given, decodes every rendered document strictly into the k8s.io/api types and
// applies the product's rules (probes, preStop, grace periods, resources, autoscaler targets,
// secret references). It prints one line per rendered object and exits 1 on any problem.
//
//	go run . ../notify ../values/*.yaml
//	go run . -dump ../notify ../values/minimal.yaml   # the rendered documents, as helm template prints them
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"helm.sh/helm/v3/pkg/chartutil"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: check <chart dir> [values file...]")
		os.Exit(2)
	}
	if os.Args[1] == "-dump" && len(os.Args) >= 3 {
		os.Exit(dump(os.Args[2], os.Args[3:]))
	}
	chartDir := os.Args[1]
	sets := append([]string{""}, os.Args[2:]...)
	failed := false
	for _, valuesFile := range sets {
		label := "defaults"
		if valuesFile != "" {
			label = filepath.Base(valuesFile)
		}
		lines, problems := CheckChart(chartDir, valuesFile)
		for _, line := range lines {
			fmt.Printf("%-26s %s\n", label, line)
		}
		for _, p := range problems {
			fmt.Printf("%-26s FAIL %s\n", label, strings.ReplaceAll(strings.TrimSpace(p), "\n", "\n"+strings.Repeat(" ", 32)))
			failed = true
		}
	}
	if failed {
		os.Exit(1)
	}
}

// CheckChart renders, decodes and checks one set of values: a line per object, and the problems.
func CheckChart(chartDir, valuesFile string) (lines, problems []string) {
	rendered, err := Render(chartDir, valuesFile)
	if err != nil {
		return nil, []string{err.Error()}
	}
	return CheckDocuments(rendered.Documents, ExistingSecrets(rendered.Values))
}

// CheckDocuments decodes and checks rendered documents: a line per object, and the problems.
func CheckDocuments(docs []Document, existingSecrets []string) (lines, problems []string) {
	var objects []*Object
	for _, doc := range docs {
		o, err := Decode(doc)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		objects = append(objects, o)
		lines = append(lines, fmt.Sprintf("%-38s %-24s %s", o.APIVersion+" "+o.Kind, o.Name, o.Template))
	}
	if len(objects) == 0 && len(problems) == 0 {
		problems = append(problems, "the chart rendered nothing")
	}
	return lines, append(problems, Check(objects, existingSecrets)...)
}

// ExistingSecrets is what the values name as Secrets made outside the chart.
func ExistingSecrets(values chartutil.Values) []string {
	var names []string
	add := func(path string) {
		if v, err := values.PathValue(path); err == nil {
			if s, ok := v.(string); ok && s != "" {
				names = append(names, s)
			}
		}
	}
	add("secrets.existingSecret")
	add("kafka.tls.caSecret")
	add("kafka.tls.clientCertSecret")
	if refs, err := values.Table("secrets.refs"); err == nil {
		for key := range refs {
			add("secrets.refs." + key + ".name")
		}
	}
	return names
}

// dump prints the chart rendered with the last values file given (or its defaults).
func dump(chartDir string, valuesFiles []string) int {
	valuesFile := ""
	if len(valuesFiles) > 0 {
		valuesFile = valuesFiles[len(valuesFiles)-1]
	}
	rendered, err := Render(chartDir, valuesFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	for _, doc := range rendered.Documents {
		fmt.Printf("---\n# Source: %s\n%s\n", doc.Template, doc.YAML)
	}
	return 0
}
