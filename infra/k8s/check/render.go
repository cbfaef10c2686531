package main

import (
	"fmt"
	"path"
	"sort"
	"strings"

	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	"helm.sh/helm/v3/pkg/releaseutil"
)

// Rendered is a chart rendered for one set of values: its documents in template order and the
// values they were rendered from (the chart's defaults with the file's on top, as helm install merges them).
type Rendered struct {
	Documents []Document
	Values    chartutil.Values
}

// Document is one YAML document of the rendered chart and the template it came from.
type Document struct {
	Template string
	YAML     string
}

// Render renders chartDir as `helm template` does (release "notify" in namespace "notify"), with
// valuesFile ("" for the defaults) over the chart's values, in strict mode: a template that reads a
// value the values do not have fails instead of rendering an empty string.
func Render(chartDir, valuesFile string) (*Rendered, error) {
	chrt, err := loader.Load(chartDir)
	if err != nil {
		return nil, fmt.Errorf("loading the chart: %w", err)
	}
	overrides := map[string]interface{}{}
	if valuesFile != "" {
		overrides, err = chartutil.ReadValuesFile(valuesFile)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", valuesFile, err)
		}
	}
	options := chartutil.ReleaseOptions{Name: "notify", Namespace: "notify", Revision: 1, IsInstall: true}
	caps := chartutil.DefaultCapabilities.Copy()
	top, err := chartutil.ToRenderValues(chrt, overrides, options, caps)
	if err != nil {
		return nil, fmt.Errorf("values: %w", err)
	}
	files, err := engine.Engine{Strict: true}.Render(chrt, top)
	if err != nil {
		return nil, fmt.Errorf("rendering: %w", err)
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	rendered := &Rendered{}
	if values, ok := top["Values"].(chartutil.Values); ok {
		rendered.Values = values
	}
	for _, name := range names {
		base := path.Base(name)
		if strings.HasPrefix(base, "_") || strings.HasSuffix(base, ".txt") {
			continue
		}
		split := releaseutil.SplitManifests(files[name])
		keys := make([]string, 0, len(split))
		for key := range split {
			keys = append(keys, key)
		}
		sort.Sort(releaseutil.BySplitManifestsOrder(keys))
		for _, key := range keys {
			if strings.TrimSpace(stripComments(split[key])) == "" {
				continue
			}
			rendered.Documents = append(rendered.Documents, Document{Template: name, YAML: split[key]})
		}
	}
	return rendered, nil
}

// stripComments drops whole-line comments, so a document of comments alone counts as empty.
func stripComments(doc string) string {
	var kept []string
	for _, line := range strings.Split(doc, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "#") {
			kept = append(kept, line)
		}
	}
	return strings.Join(kept, "\n")
}
