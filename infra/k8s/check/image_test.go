package main

import (
	"path/filepath"
	"strings"
	"testing"
)

const imageContext = "testdata/image/context"

func uid(n int64) *int64 { return &n }

// What the chart tells the image in these tests: its pods run as uid 1000 on 3000 and the relay's 3101.
var fixtureChart = ChartFacts{
	Users: []ChartUser{{Where: "defaults: Deployment notify-gateway container gateway", RunAsUser: uid(1000), RunAsNonRoot: true}},
	Ports: map[int32]string{
		3000: "defaults: Deployment notify-router container router port http",
		3101: "defaults: Deployment notify-gateway container gateway port relay",
	},
}

func checkImageFixture(t *testing.T, name string, chart ChartFacts) (lines, problems []string) {
	t.Helper()
	return CheckImage(filepath.Join("testdata/image", name), imageContext, chart)
}

// expectExactly checks that every wanted text is in some problem and every problem says one of them.
func expectExactly(t *testing.T, problems []string, want ...string) {
	t.Helper()
	if len(problems) == 0 {
		t.Fatalf("no problem reported, want %q", want)
	}
	for _, w := range want {
		found := false
		for _, p := range problems {
			found = found || strings.Contains(p, w)
		}
		if !found {
			t.Errorf("no problem says %q (all: %q)", w, problems)
		}
	}
	for _, p := range problems {
		matched := false
		for _, w := range want {
			matched = matched || strings.Contains(p, w)
		}
		if !matched {
			t.Errorf("unexpected problem %q (want only %q)", p, want)
		}
	}
}

func TestValidDockerfilePasses(t *testing.T) {
	lines, problems := checkImageFixture(t, "valid.Dockerfile", fixtureChart)
	if len(problems) > 0 {
		t.Fatalf("problems in the valid fixture: %q", problems)
	}
	if len(lines) != 9 {
		t.Fatalf("want a line for each of the 9 rules, got %q", lines)
	}
}

func TestDockerfileRules(t *testing.T) {
	for fixtureName, want := range map[string][]string{
		"one-stage.Dockerfile":               {"1 stage(s): the image needs a build stage and a run stage"},
		"copy-from-unknown-stage.Dockerfile": {"copy-from-unknown-stage.Dockerfile:10: COPY --from=builder names no earlier stage (stages before it: build)"},
		"base-node-22.Dockerfile":            {"based on node:22-slim, not a Node 24 image"},
		"root-user.Dockerfile":               {"USER root is root", "runs as uid 1000, the image's USER root is uid 0"},
		"no-user.Dockerfile":                 {"sets no USER"},
		"other-uid.Dockerfile":               {"container gateway runs as uid 1000, the image's USER 1001:1001 is uid 1001"},
		"no-healthcheck.Dockerfile":          {"no HEALTHCHECK CMD"},
		"healthcheck-none.Dockerfile":        {"no HEALTHCHECK CMD"},
		"no-node-options.Dockerfile":         {"no NODE_OPTIONS with --max-semi-space-size=64"},
		"cmd-tsx.Dockerfile":                 {"runs npx", "TypeScript through tsx", "runs services/router/src/main.ts", "does not run node"},
		"cmd-source.Dockerfile":              {`node runs "services/router/src/main.js", not a compiled dist/main.js`},
		"cmd-without-exec.Dockerfile":        {"started by a shell without exec"},
		"entrypoint-npm.Dockerfile":          {"the command runs npm", "does not run node"},
		"run-npm-ci.Dockerfile":              {"the run stage runs npm ci"},
		"missing-port.Dockerfile":            {"missing-port.Dockerfile:14: the run stage does not EXPOSE 3101, which defaults: Deployment notify-gateway container gateway port relay uses"},
		"missing-file.Dockerfile":            {"COPY missing.txt: nothing at missing.txt in the build context"},
		"ignored-file.Dockerfile":            {"COPY notes.txt: testdata/image/ignored-file.Dockerfile.dockerignore excludes it"},
		"unknown-service-arg.Dockerfile":     {`ARG SERVICE defaults to "all"`},
		"unknown-instruction.Dockerfile":     {"unknown instruction: COPPY"},
		"bad-flag.Dockerfile":                {"unknown flag: --owner"},
		"lint-as-casing.Dockerfile":          {"(FromAsCasing)"},
	} {
		t.Run(fixtureName, func(t *testing.T) {
			_, problems := checkImageFixture(t, fixtureName, fixtureChart)
			expectExactly(t, problems, want...)
		})
	}
}

// Under runAsNonRoot without a runAsUser the kubelet must read the uid from the image: a name fails.
func TestNamedUserNeedsTheChartsRunAsUser(t *testing.T) {
	chart := ChartFacts{Users: []ChartUser{{Where: "defaults: Deployment notify-router container router", RunAsNonRoot: true}}}
	_, problems := checkImageFixture(t, "valid.Dockerfile", chart)
	expectExactly(t, problems, "runAsNonRoot without runAsUser and a non-numeric USER node: the kubelet cannot verify it")
	_, problems = checkImageFixture(t, "other-uid.Dockerfile", chart)
	if len(problems) > 0 {
		t.Fatalf("a numeric USER is verifiable: %q", problems)
	}
}

func TestNode24Bases(t *testing.T) {
	for ref, want := range map[string]bool{
		"node:24-slim":                        true,
		"node:24":                             true,
		"node:24.11.1-bookworm-slim":          true,
		"docker.io/library/node:24-alpine":    true,
		"node:24-slim@sha256:0123abcd":        true,
		"gcr.io/distroless/nodejs24-debian12": true,
		"node:22-slim":                        false,
		"node:240":                            false,
		"node":                                false,
		"node:lts":                            false,
		"gcr.io/distroless/nodejs22-debian12": false,
		"example.com/node:24":                 false,
	} {
		if got := isNode24(ref); got != want {
			t.Errorf("isNode24(%q) = %v, want %v", ref, got, want)
		}
	}
}

// The image the product ships, against the chart with its defaults and every values file beside it.
func TestShippedImageAgreesWithTheChart(t *testing.T) {
	facts := shippedChartFacts(t)
	lines, problems := CheckImage("../../image/Dockerfile", "../../..", facts)
	if len(problems) > 0 {
		t.Fatalf("problems: %q", problems)
	}
	if len(lines) != 9 {
		t.Fatalf("want a line for each of the 9 rules, got %q", lines)
	}
	if len(facts.Users) == 0 || len(facts.Ports) < 6 {
		t.Fatalf("the chart gave the image too little to check: %+v", facts)
	}
}

func shippedChartFacts(t *testing.T) ChartFacts {
	t.Helper()
	files, err := filepath.Glob("../values/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no values files: %v", err)
	}
	var facts ChartFacts
	for _, valuesFile := range append([]string{""}, files...) {
		objects, _, problems := checkChart(chartDir, valuesFile)
		if len(problems) > 0 {
			t.Fatalf("%s: %q", valuesFile, problems)
		}
		facts.Add(valuesFile, objects)
	}
	return facts
}
