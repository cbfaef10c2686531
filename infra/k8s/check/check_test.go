package main

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/releaseutil"
)

const chartDir = "../notify"

// fixture reads a multi-document manifest from testdata, as the chart would render it.
func fixture(t *testing.T, name string) []Document {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	split := releaseutil.SplitManifests(string(data))
	keys := make([]string, 0, len(split))
	for key := range split {
		keys = append(keys, key)
	}
	sort.Sort(releaseutil.BySplitManifestsOrder(keys))
	docs := make([]Document, 0, len(keys))
	for _, key := range keys {
		docs = append(docs, Document{Template: name, YAML: split[key]})
	}
	return docs
}

// expectProblem checks that exactly the expected problem is reported, so a fixture fails for its defect.
func expectProblem(t *testing.T, problems []string, want ...string) {
	t.Helper()
	if len(problems) == 0 {
		t.Fatalf("no problem reported, want one containing %q", want)
	}
	for _, p := range problems {
		for _, w := range want {
			if !strings.Contains(p, w) {
				t.Errorf("problem %q does not say %q (all: %q)", p, w, problems)
			}
		}
	}
}

func TestValidFixturePasses(t *testing.T) {
	lines, problems := CheckDocuments(fixture(t, "valid.yaml"), nil)
	if len(problems) > 0 {
		t.Fatalf("problems in the valid fixture: %q", problems)
	}
	if len(lines) != 4 {
		t.Fatalf("want a line for each of the 4 objects, got %q", lines)
	}
}

func TestStrictDecodingRefusesFieldsTheTypesDoNotHave(t *testing.T) {
	for fixtureName, want := range map[string]string{
		"misspelt-field.yaml":   `unknown field "spec.template.spec.containers[0].imagePulPolicy"`,
		"wrong-case-field.yaml": `unknown field "spec.template.spec.containers[0].imagepullpolicy"`,
		"misplaced-field.yaml":  `unknown field "spec.template.spec.preStop"`,
	} {
		t.Run(fixtureName, func(t *testing.T) {
			_, problems := CheckDocuments(fixture(t, fixtureName), nil)
			// The Deployment is refused; the Service and the autoscaler then point at nothing.
			if len(problems) == 0 || !strings.Contains(problems[0], "apps/v1 Deployment: "+want) {
				t.Fatalf("want first %q, got %q", want, problems)
			}
		})
	}
}

func TestUnknownKindFails(t *testing.T) {
	_, problems := CheckDocuments(fixture(t, "unknown-kind.yaml"), nil)
	expectProblem(t, problems, "unknown kind autoscaling/v2beta2 HorizontalPodAutoscaler")
}

func TestProductRules(t *testing.T) {
	for fixtureName, want := range map[string]string{
		"missing-probe.yaml":      "no readiness probe (HTTP GET /readyz)",
		"liveness-on-readyz.yaml": "liveness on /readyz",
		"no-prestop.yaml":         "no preStop",
		"no-resources.yaml":       "resources.requests needs cpu and memory",
		"short-grace.yaml":        "terminationGracePeriodSeconds 12 <",
		"unknown-secret.yaml":     `Secret "mongo-credentials" is neither rendered by the chart nor named in the values as existing`,
		"missing-secret-key.yaml": "Secret notify-secrets has no key MONGO_URI",
		"hpa-no-target.yaml":      `scales apps/v1 Deployment "notify-gatway", which the chart does not render`,
		"long-port-name.yaml":     `container gateway port name "gateway-relay-port": must be no more than 15 characters`,
	} {
		t.Run(fixtureName, func(t *testing.T) {
			_, problems := CheckDocuments(fixture(t, fixtureName), nil)
			expectProblem(t, problems, want)
		})
	}
}

func TestSecretNamedAsExistingInTheValuesIsAccepted(t *testing.T) {
	_, problems := CheckDocuments(fixture(t, "unknown-secret.yaml"), []string{"mongo-credentials"})
	if len(problems) > 0 {
		t.Fatalf("problems: %q", problems)
	}
}

// The chart itself, with its defaults and every values file shipped beside it.
func TestChartPassesWithEveryValuesFile(t *testing.T) {
	files, err := filepath.Glob("../values/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no values files: %v", err)
	}
	for _, valuesFile := range append([]string{""}, files...) {
		t.Run("values="+filepath.Base(valuesFile), func(t *testing.T) {
			lines, problems := CheckChart(chartDir, valuesFile)
			if len(problems) > 0 {
				t.Fatalf("problems: %q", problems)
			}
			deployments := 0
			for _, line := range lines {
				if strings.Contains(line, "apps/v1 Deployment") {
					deployments++
				}
			}
			if deployments != 5 {
				t.Fatalf("want a Deployment for each of the 5 services, got %d in %q", deployments, lines)
			}
		})
	}
}

func TestChartGatewayGracePeriodFollowsTheDrainWindow(t *testing.T) {
	_, problems := CheckChart(chartDir, "testdata/values-gateway-short-shutdown.yaml")
	expectProblem(t, problems, "Deployment notify-gateway")
	joined := strings.Join(problems, "\n")
	for _, want := range []string{"terminationGracePeriodSeconds 11 < preStop 5 s + GATEWAY_DRAIN_WINDOW_MS 10000 ms", "SHUTDOWN_TIMEOUT_MS 1000 does not leave room"} {
		if !strings.Contains(joined, want) {
			t.Errorf("want %q in %q", want, problems)
		}
	}
}

func TestChartSecretWithoutARequiredKeyFails(t *testing.T) {
	_, problems := CheckChart(chartDir, "testdata/values-no-mongo-url.yaml")
	// Router, gateway, push and webhooks read MONGO_URL; presence does not.
	expectProblem(t, problems, "MONGO_URL: Secret notify-secrets has no key MONGO_URL")
	if len(problems) != 4 {
		t.Fatalf("want 4 problems (one per service reading MONGO_URL), got %q", problems)
	}
}

func TestChartRefusesAValueItDoesNotKnow(t *testing.T) {
	_, problems := CheckChart(chartDir, "testdata/values-misspelt-key.yaml")
	expectProblem(t, problems, "values don't meet the specifications of the schema", "drainWindowMS")
}
