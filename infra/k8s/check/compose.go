package main

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
)

// The variables the compose file requires (${NAME:?…}), with placeholder values: the check loads it
// as `docker compose` would once they are set, and nothing from the shell's environment leaks in.
var composeVariables = map[string]string{
	"JWT_SECRET":           "placeholder-jwt-secret",
	"GATEWAY_RELAY_SECRET": "placeholder-relay-secret",
	"INTAKE_TOKENS":        "check:placeholder",
	"ADMIN_TOKENS":         "check:placeholder",
}

// The services the compose file must run, each from the image with SERVICE set to its name.
var composeServices = []string{"router", "gateway", "presence", "push", "webhooks"}

// CheckCompose loads the compose file with compose-go (schema validation on, so a key the compose
// specification does not have fails) and checks the services built from the image's Dockerfile.
// exposed is the image's EXPOSEd ports (nil: not checked).
func CheckCompose(composeFile, dockerfile string, exposed map[int32]bool) (lines, problems []string) {
	project, err := LoadCompose(composeFile)
	if err != nil {
		return nil, []string{fmt.Sprintf("%s: %s", composeFile, loadError(composeFile, err))}
	}
	lines = append(lines, fmt.Sprintf("loaded with schema validation: %d services", len(project.Services)))
	dockerfileAbs, err := filepath.Abs(dockerfile)
	if err != nil {
		return lines, []string{err.Error()}
	}
	fail := func(service, format string, args ...interface{}) {
		problems = append(problems, fmt.Sprintf("%s: service %s: %s", composeFile, service, fmt.Sprintf(format, args...)))
	}
	names := make([]string, 0, len(project.Services))
	for name := range project.Services {
		names = append(names, name)
	}
	sort.Strings(names)
	running := map[string]string{} // SERVICE -> compose service
	for _, name := range names {
		svc := project.Services[name]
		if svc.Build == nil || !sameFile(project.WorkingDir, svc.Build, dockerfileAbs) {
			continue
		}
		before := len(problems)
		arg := svc.Build.Args["SERVICE"]
		switch {
		case arg == nil:
			fail(name, "built from %s without a SERVICE build arg (the image would run %s)", dockerfile, "embedded")
		case !contains(imageServices, *arg):
			fail(name, "SERVICE build arg %q is none of %s", *arg, strings.Join(imageServices, ", "))
		default:
			if other, dup := running[*arg]; dup {
				fail(name, "SERVICE %s is already run by service %s", *arg, other)
			}
			running[*arg] = name
		}
		port := svc.Environment["PORT"]
		if port == nil || *port == "" {
			fail(name, "no PORT in its environment")
		} else if len(svc.Ports) == 0 {
			fail(name, "publishes no port (PORT=%s)", *port)
		}
		for _, p := range svc.Ports {
			if port != nil && (p.Published != *port || strconv.FormatUint(uint64(p.Target), 10) != *port) {
				fail(name, "publishes %s:%d, but listens on PORT=%s", p.Published, p.Target, *port)
			}
			if exposed != nil && !exposed[int32(p.Target)] {
				fail(name, "publishes container port %d, which the image does not EXPOSE", p.Target)
			}
		}
		if len(problems) == before {
			service := ""
			if arg != nil {
				service = *arg
			}
			lines = append(lines, fmt.Sprintf("service %-9s SERVICE=%s, PORT=%s published as %s", name, service, valueOr(port), publishedPorts(svc.Ports)))
		}
	}
	for _, want := range composeServices {
		if _, ok := running[want]; !ok {
			problems = append(problems, fmt.Sprintf("%s: no service is built from %s with SERVICE=%s", composeFile, dockerfile, want))
		}
	}
	return lines, problems
}

// LoadCompose loads and validates the compose file as `docker compose config` does, with the
// placeholder variables as its only environment.
func LoadCompose(composeFile string) (*types.Project, error) {
	abs, err := filepath.Abs(composeFile)
	if err != nil {
		return nil, err
	}
	details := types.ConfigDetails{
		WorkingDir:  filepath.Dir(abs),
		ConfigFiles: []types.ConfigFile{{Filename: abs}},
		Environment: types.Mapping(composeVariables),
	}
	return loader.LoadWithContext(context.Background(), details, func(o *loader.Options) {
		o.SetProjectName("notify", true)
	})
}

// loadError says a schema error in the check's words: the file as given, and what a false schema means there.
func loadError(composeFile string, err error) string {
	message := err.Error()
	if abs, absErr := filepath.Abs(composeFile); absErr == nil {
		message = strings.ReplaceAll(message, "validating "+abs+": ", "")
		message = strings.ReplaceAll(message, abs, composeFile)
	}
	if strings.HasSuffix(message, " false schema") {
		message = strings.TrimSuffix(message, " false schema") + ": not a key the compose specification has there"
	}
	return message
}

// sameFile: the service's build uses the Dockerfile at dockerfileAbs.
func sameFile(workingDir string, build *types.BuildConfig, dockerfileAbs string) bool {
	buildContext := build.Context
	if !filepath.IsAbs(buildContext) {
		buildContext = filepath.Join(workingDir, buildContext)
	}
	dockerfile := build.Dockerfile
	if dockerfile == "" {
		dockerfile = "Dockerfile"
	}
	if !filepath.IsAbs(dockerfile) {
		dockerfile = filepath.Join(buildContext, dockerfile)
	}
	return filepath.Clean(dockerfile) == filepath.Clean(dockerfileAbs)
}

func publishedPorts(ports []types.ServicePortConfig) string {
	var out []string
	for _, p := range ports {
		out = append(out, fmt.Sprintf("%s:%d", p.Published, p.Target))
	}
	return strings.Join(out, " ")
}

func valueOr(v *string) string {
	if v == nil {
		return "(unset)"
	}
	return *v
}
