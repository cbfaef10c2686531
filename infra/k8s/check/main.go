// Command check renders the notify Helm chart with Helm's own library, for its default values and
// for each values file given, decodes every rendered document strictly into the k8s.io/api types and
// applies the product's rules (probes, preStop, grace periods, resources, autoscaler targets,
// secret references). With -image it parses the image's Dockerfile with BuildKit's parser and checks
// it against the product's rules and the chart (user, ports); with -compose it loads the compose
// file with compose-go, schema validation on, and checks the services built from that image.
// It prints one line per thing checked and exits 1 on any problem.
//
//	go run . -image ../../image/Dockerfile -context ../../.. -compose ../../docker-compose.yml ../notify ../values/*.yaml
//	go run . -dump ../notify ../values/minimal.yaml   # the rendered documents, as helm template prints them
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"helm.sh/helm/v3/pkg/chartutil"
)

func main() {
	dumpOnly := flag.Bool("dump", false, "print the rendered documents instead of checking them")
	dockerfile := flag.String("image", "", "the image's Dockerfile, checked against the chart")
	buildContext := flag.String("context", ".", "the build context the Dockerfile is built from")
	composeFile := flag.String("compose", "", "the compose file, checked against the image")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: check [-dump] [-image Dockerfile -context dir] [-compose file] <chart dir> [values file...]")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() < 1 {
		flag.Usage()
		os.Exit(2)
	}
	chartDir := flag.Arg(0)
	if *dumpOnly {
		os.Exit(dump(chartDir, flag.Args()[1:]))
	}
	sets := append([]string{""}, flag.Args()[1:]...)
	failed := false
	report := func(label string, lines, problems []string) {
		for _, line := range lines {
			fmt.Printf("%-26s %s\n", label, line)
		}
		for _, p := range problems {
			fmt.Printf("%-26s FAIL %s\n", label, strings.ReplaceAll(strings.TrimSpace(p), "\n", "\n"+strings.Repeat(" ", 32)))
			failed = true
		}
	}
	var facts ChartFacts
	for _, valuesFile := range sets {
		label := "defaults"
		if valuesFile != "" {
			label = filepath.Base(valuesFile)
		}
		objects, lines, problems := checkChart(chartDir, valuesFile)
		facts.Add(label, objects)
		report(label, lines, problems)
	}
	var exposed map[int32]bool
	if *dockerfile != "" {
		df, warnings, err := ParseDockerfile(*dockerfile)
		if err != nil {
			report("Dockerfile", nil, []string{err.Error()})
		} else {
			lines, problems := CheckDockerfile(df, *buildContext, facts)
			report("Dockerfile", lines, append(warnings, problems...))
			exposed = Exposed(df)
		}
	}
	if *composeFile != "" {
		if *dockerfile == "" {
			fmt.Fprintln(os.Stderr, "-compose needs -image: it checks the services built from that Dockerfile")
			os.Exit(2)
		}
		lines, problems := CheckCompose(*composeFile, *dockerfile, exposed)
		report(filepath.Base(*composeFile), lines, problems)
	}
	if failed {
		os.Exit(1)
	}
}

// CheckChart renders, decodes and checks one set of values: a line per object, and the problems.
func CheckChart(chartDir, valuesFile string) (lines, problems []string) {
	_, lines, problems = checkChart(chartDir, valuesFile)
	return lines, problems
}

// checkChart is CheckChart that also returns the decoded objects, for the image's checks.
func checkChart(chartDir, valuesFile string) (objects []*Object, lines, problems []string) {
	rendered, err := Render(chartDir, valuesFile)
	if err != nil {
		return nil, nil, []string{err.Error()}
	}
	return checkDocuments(rendered.Documents, ExistingSecrets(rendered.Values))
}

// CheckDocuments decodes and checks rendered documents: a line per object, and the problems.
func CheckDocuments(docs []Document, existingSecrets []string) (lines, problems []string) {
	_, lines, problems = checkDocuments(docs, existingSecrets)
	return lines, problems
}

func checkDocuments(docs []Document, existingSecrets []string) (objects []*Object, lines, problems []string) {
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
	return objects, lines, append(problems, Check(objects, existingSecrets)...)
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
