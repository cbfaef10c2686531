package main

import (
	"path/filepath"
	"testing"
)

const composeDockerfile = "testdata/image/valid.Dockerfile"

func fixtureExposed() map[int32]bool {
	return map[int32]bool{3000: true, 3001: true, 3002: true, 3003: true, 3004: true, 3101: true}
}

func TestValidComposeFilePasses(t *testing.T) {
	lines, problems := CheckCompose("testdata/compose/valid.yml", composeDockerfile, fixtureExposed())
	if len(problems) > 0 {
		t.Fatalf("problems in the valid fixture: %q", problems)
	}
	if len(lines) != 6 {
		t.Fatalf("want the load and a line per service built from the image, got %q", lines)
	}
}

func TestComposeRules(t *testing.T) {
	for fixtureName, want := range map[string][]string{
		"unknown-key.yml":         {"testdata/compose/unknown-key.yml: services.kafka.restart_policy: not a key the compose specification has there"},
		"misspelt-key.yml":        {"testdata/compose/misspelt-key.yml: services.webhooks.port: not a key"},
		"unknown-service-arg.yml": {`service presence: SERVICE build arg "presense" is none of`, "no service is built from testdata/image/valid.Dockerfile with SERVICE=presence"},
		"missing-service.yml":     {"with SERVICE=webhooks"},
		"port-mismatch.yml":       {"service presence: publishes 3020:3002, but listens on PORT=3002"},
		"no-service-arg.yml":      {"service push: built from testdata/image/valid.Dockerfile without a SERVICE build arg", "with SERVICE=push"},
		"unexposed-port.yml":      {"service webhooks: publishes container port 3005, which the image does not EXPOSE"},
	} {
		t.Run(fixtureName, func(t *testing.T) {
			_, problems := CheckCompose(filepath.Join("testdata/compose", fixtureName), composeDockerfile, fixtureExposed())
			if fixtureName == "unknown-key.yml" || fixtureName == "misspelt-key.yml" {
				// A schema error stops the load: one problem, naming the key and where it is.
				if len(problems) != 1 {
					t.Fatalf("want one problem, got %q", problems)
				}
				expectProblem(t, problems, want...)
				return
			}
			expectExactly(t, problems, want...)
		})
	}
}

// The compose file the product ships, against the image it builds.
func TestShippedComposeFileAgreesWithTheImage(t *testing.T) {
	df, warnings, err := ParseDockerfile("../../image/Dockerfile")
	if err != nil || len(warnings) > 0 {
		t.Fatalf("the image: %v %q", err, warnings)
	}
	lines, problems := CheckCompose("../../docker-compose.yml", "../../image/Dockerfile", Exposed(df))
	if len(problems) > 0 {
		t.Fatalf("problems: %q", problems)
	}
	if len(lines) != 6 {
		t.Fatalf("want the load and a line per service, got %q", lines)
	}
}
