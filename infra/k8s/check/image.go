package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// What the SERVICE build argument may name: a service, or embedded for all of them in one process.
var imageServices = []string{"router", "gateway", "presence", "push", "webhooks", "embedded"}

// The uids of the users the node images (and distroless) create, by name. A USER the check cannot
// turn into a uid fails: the chart must run the pods as the image's user, so it must know it.
var knownUsers = map[string]int64{"root": 0, "node": 1000, "nonroot": 65532}

// Dockerfile is a Dockerfile parsed by BuildKit's own parser: its stages and the ARGs before the first FROM.
type Dockerfile struct {
	Path     string
	Stages   []instructions.Stage
	MetaArgs []instructions.ArgCommand
}

// ParseDockerfile parses path as `docker build` does: a syntax error, an unknown instruction or a
// flag an instruction does not take is an error, and so is anything BuildKit's build checks warn about.
func ParseDockerfile(path string) (*Dockerfile, []string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	result, err := parser.Parse(f)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	var warnings []string
	for _, w := range result.Warnings {
		warnings = append(warnings, fmt.Sprintf("%s: %s", path, w.Short))
	}
	lint := linter.New(&linter.Config{Warn: func(rule, description, url, message string, location []parser.Range) {
		warnings = append(warnings, fmt.Sprintf("%s:%d: %s (%s)", path, line(location), message, rule))
	}})
	stages, metaArgs, err := instructions.Parse(result.AST, lint)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return &Dockerfile{Path: path, Stages: stages, MetaArgs: metaArgs}, warnings, nil
}

// ChartFacts is what the image must agree with, from every rendering of the chart: the uid each
// Deployment's containers run as, and the ports they listen on.
type ChartFacts struct {
	Users []ChartUser
	Ports map[int32]string // port -> the first container (or Service) that uses it
}

// ChartUser is the runAsUser a container of the chart runs with (nil: the image's USER).
type ChartUser struct {
	Where        string
	RunAsUser    *int64
	RunAsNonRoot bool
}

// Add collects the users and ports of one rendering's Deployments and Services.
func (f *ChartFacts) Add(label string, objects []*Object) {
	if f.Ports == nil {
		f.Ports = map[int32]string{}
	}
	port := func(p int32, where string) {
		if _, ok := f.Ports[p]; !ok {
			f.Ports[p] = where
		}
	}
	for _, o := range objects {
		switch v := o.Value.(type) {
		case *appsv1.Deployment:
			pod := v.Spec.Template.Spec
			for _, c := range pod.Containers {
				where := fmt.Sprintf("%s: Deployment %s container %s", label, v.Name, c.Name)
				u := ChartUser{Where: where}
				if sc := pod.SecurityContext; sc != nil {
					u.RunAsUser = sc.RunAsUser
					u.RunAsNonRoot = sc.RunAsNonRoot != nil && *sc.RunAsNonRoot
				}
				if sc := c.SecurityContext; sc != nil {
					if sc.RunAsUser != nil {
						u.RunAsUser = sc.RunAsUser
					}
					if sc.RunAsNonRoot != nil {
						u.RunAsNonRoot = *sc.RunAsNonRoot
					}
				}
				f.Users = append(f.Users, u)
				for _, p := range c.Ports {
					port(p.ContainerPort, fmt.Sprintf("%s port %s", where, p.Name))
				}
			}
		case *corev1.Service:
			for _, p := range v.Spec.Ports {
				if p.TargetPort.Type == intstr.Int && p.TargetPort.IntVal != 0 {
					port(p.TargetPort.IntVal, fmt.Sprintf("%s: Service %s port %s", label, v.Name, p.Name))
				}
			}
		}
	}
}

// CheckImage parses the Dockerfile and checks it against the product's rules and the chart.
// context is the build context the Dockerfile is built from (the repository root).
func CheckImage(dockerfile, context string, chart ChartFacts) (lines, problems []string) {
	df, warnings, err := ParseDockerfile(dockerfile)
	if err != nil {
		return nil, []string{err.Error()}
	}
	lines, problems = CheckDockerfile(df, context, chart)
	return lines, append(warnings, problems...)
}

// CheckDockerfile applies the rules to a parsed Dockerfile: a line per rule checked, and the problems.
func CheckDockerfile(df *Dockerfile, context string, chart ChartFacts) (lines, problems []string) {
	ok := func(format string, args ...interface{}) { lines = append(lines, fmt.Sprintf(format, args...)) }
	fail := func(c instructions.Command, format string, args ...interface{}) {
		at := df.Path
		if c != nil {
			at = fmt.Sprintf("%s:%d", df.Path, line(c.Location()))
		}
		problems = append(problems, fmt.Sprintf("%s: %s", at, fmt.Sprintf(format, args...)))
	}
	before := len(problems)
	passed := func(format string, args ...interface{}) {
		if len(problems) == before {
			ok(format, args...)
		}
		before = len(problems)
	}

	if len(df.Stages) < 2 {
		fail(nil, "%d stage(s): the image needs a build stage and a run stage that copies only the release", len(df.Stages))
		return lines, problems
	}
	final := df.Stages[len(df.Stages)-1]
	finalLine := line(final.Location)

	// Stages and COPY --from.
	for i, st := range df.Stages {
		for _, c := range st.Commands {
			cp, isCopy := c.(*instructions.CopyCommand)
			if !isCopy || cp.From == "" {
				continue
			}
			if !earlierStage(df.Stages[:i], cp.From) {
				fail(cp, "COPY --from=%s names no earlier stage (stages before it: %s)", cp.From, stageNames(df.Stages[:i]))
			}
		}
	}
	passed("%d stages; every COPY --from names an earlier stage", len(df.Stages))

	// The run stage's base: Node 24.
	base, err := expandMeta(df, baseOf(df.Stages, len(df.Stages)-1))
	if err != nil {
		problems = append(problems, fmt.Sprintf("%s:%d: FROM %s: %v", df.Path, finalLine, final.BaseName, err))
	} else if !isNode24(base) {
		problems = append(problems, fmt.Sprintf("%s:%d: the run stage is based on %s, not a Node 24 image (node:24-slim, node:24, gcr.io/distroless/nodejs24-…)", df.Path, finalLine, base))
	}
	passed("run stage based on %s", base)

	// The user: not root, and the one the chart runs the pods as.
	var user *instructions.UserCommand
	for _, c := range final.Commands {
		if u, isUser := c.(*instructions.UserCommand); isUser {
			user = u
		}
	}
	if user == nil {
		problems = append(problems, fmt.Sprintf("%s:%d: the run stage sets no USER: the services would run as root", df.Path, finalLine))
	} else {
		name := strings.SplitN(user.User, ":", 2)[0]
		uid, known := knownUsers[name]
		numeric := false
		if n, err := strconv.ParseInt(name, 10, 64); err == nil {
			uid, known, numeric = n, true, true
		}
		switch {
		case !known:
			fail(user, "USER %s: its uid is unknown here (use a numeric USER, or one of %s)", user.User, strings.Join(sortedKeys(knownUsers), ", "))
		case uid == 0:
			fail(user, "USER %s is root", user.User)
		}
		for _, u := range chart.Users {
			switch {
			case u.RunAsUser == nil && u.RunAsNonRoot && !numeric:
				fail(user, "%s: runAsNonRoot without runAsUser and a non-numeric USER %s: the kubelet cannot verify it and refuses to start the pod", u.Where, user.User)
			case known && u.RunAsUser != nil && *u.RunAsUser != uid:
				fail(user, "%s runs as uid %d, the image's USER %s is uid %d", u.Where, *u.RunAsUser, user.User, uid)
			}
		}
		passed("run stage USER %s (uid %d), the runAsUser of the chart's %d containers", user.User, uid, len(chart.Users))
	}

	// HEALTHCHECK, NODE_OPTIONS, the command.
	var health *instructions.HealthCheckCommand
	var cmd *instructions.CmdCommand
	var entrypoint *instructions.EntrypointCommand
	nodeOptions := ""
	for _, c := range final.Commands {
		switch v := c.(type) {
		case *instructions.HealthCheckCommand:
			health = v
		case *instructions.CmdCommand:
			cmd = v
		case *instructions.EntrypointCommand:
			entrypoint = v
		case *instructions.EnvCommand:
			for _, kv := range v.Env {
				if kv.Key == "NODE_OPTIONS" {
					nodeOptions = kv.Value
				}
			}
		case *instructions.ArgCommand:
			for _, a := range v.Args {
				if a.Key == "SERVICE" && a.Value != nil && !contains(imageServices, *a.Value) {
					fail(v, "ARG SERVICE defaults to %q, which is none of %s", *a.Value, strings.Join(imageServices, ", "))
				}
			}
		}
	}
	if health == nil || health.Health == nil || len(health.Health.Test) < 2 || (health.Health.Test[0] != "CMD" && health.Health.Test[0] != "CMD-SHELL") {
		problems = append(problems, fmt.Sprintf("%s:%d: the run stage has no HEALTHCHECK CMD", df.Path, finalLine))
	}
	passed("HEALTHCHECK %s", healthString(health))
	if !strings.Contains(nodeOptions, youngGenerationFlag) {
		problems = append(problems, fmt.Sprintf("%s:%d: the run stage sets no NODE_OPTIONS with %s64 (the young generation the services are measured with)", df.Path, finalLine, youngGenerationFlag))
	}
	passed("NODE_OPTIONS=%s", nodeOptions)
	var command []string
	var commandAt instructions.Command
	viaShell := false
	if entrypoint != nil {
		command, commandAt, viaShell = entrypoint.CmdLine, entrypoint, entrypoint.PrependShell
	}
	if cmd != nil && (entrypoint == nil || !entrypoint.PrependShell) {
		command = append(append([]string{}, command...), cmd.CmdLine...)
		viaShell = viaShell || (entrypoint == nil && cmd.PrependShell)
		if commandAt == nil {
			commandAt = cmd
		}
	}
	if commandAt == nil {
		problems = append(problems, fmt.Sprintf("%s:%d: the run stage has no CMD or ENTRYPOINT", df.Path, finalLine))
	} else {
		for _, p := range checkCommand(command, viaShell) {
			fail(commandAt, "%s", p)
		}
	}
	passed("the command runs node on dist/main.js: %s", strings.Join(command, " "))

	// No package installs in the run stage.
	for _, c := range final.Commands {
		if run, isRun := c.(*instructions.RunCommand); isRun {
			if what := installs(strings.Join(run.CmdLine, " ")); what != "" {
				fail(run, "the run stage runs %s: its dependencies come from the build stage's production-only release", what)
			}
		}
	}
	passed("the run stage installs no packages")

	// EXPOSE covers every port the chart uses.
	exposed := map[int32]bool{}
	var exposedList []string
	exposeLine := finalLine
	for _, c := range final.Commands {
		if e, isExpose := c.(*instructions.ExposeCommand); isExpose {
			exposeLine = line(e.Location())
			for _, p := range e.Ports {
				exposedList = append(exposedList, p)
				lo, hi, err := portRange(p)
				if err != nil {
					fail(e, "EXPOSE %s: %v", p, err)
					continue
				}
				for n := lo; n <= hi; n++ {
					exposed[n] = true
				}
			}
		}
	}
	ports := make([]int, 0, len(chart.Ports))
	for p := range chart.Ports {
		ports = append(ports, int(p))
	}
	sort.Ints(ports)
	for _, p := range ports {
		if !exposed[int32(p)] {
			problems = append(problems, fmt.Sprintf("%s:%d: the run stage does not EXPOSE %d, which %s uses", df.Path, exposeLine, p, chart.Ports[int32(p)]))
		}
	}
	passed("EXPOSE %s covers the chart's ports %v", strings.Join(exposedList, " "), ports)

	// Files copied from the build context exist there, and the ignore file keeps them.
	ignore, ignoreFile, err := readIgnore(df.Path, context)
	if err != nil {
		problems = append(problems, err.Error())
	}
	copied := 0
	for _, st := range df.Stages {
		for _, c := range st.Commands {
			var sources []string
			switch v := c.(type) {
			case *instructions.CopyCommand:
				if v.From != "" {
					continue
				}
				sources = v.SourcePaths
			case *instructions.AddCommand:
				sources = v.SourcePaths
			}
			for _, src := range sources {
				if strings.Contains(src, "://") || strings.HasPrefix(src, "git@") {
					continue
				}
				copied++
				if p := checkContextPath(context, src, ignore, ignoreFile); p != "" {
					fail(c, "%s", p)
				}
			}
		}
	}
	passed("%d path(s) copied from the build context exist and are not ignored", copied)
	return lines, problems
}

// checkCommand: the command runs node on a compiled dist/main.js, and through a shell only with exec.
func checkCommand(command []string, viaShell bool) []string {
	var problems []string
	words := command
	if len(command) >= 3 && isShell(command[0]) && command[1] == "-c" {
		viaShell = true
		words = append(append([]string{}, command[:2]...), shellWords(strings.Join(command[2:], " "))...)
	} else if viaShell {
		words = shellWords(strings.Join(command, " "))
	}
	runs := 0
	for i, w := range words {
		switch {
		case w == "tsx" || w == "ts-node" || strings.Contains(w, "--import=tsx") || strings.Contains(w, "--loader"):
			problems = append(problems, fmt.Sprintf("the command runs TypeScript through %s: the image runs the compiled JavaScript", w))
		case w == "npx" || w == "npm" || w == "yarn" || w == "pnpm":
			problems = append(problems, fmt.Sprintf("the command runs %s: node must be the process that gets SIGTERM", w))
		case strings.HasSuffix(w, ".ts") || strings.HasSuffix(w, ".mts") || strings.HasSuffix(w, ".cts"):
			problems = append(problems, fmt.Sprintf("the command runs %s: the image runs the compiled dist/main.js", w))
		case w == "node" || strings.HasSuffix(w, "/node"):
			runs++
			script := ""
			for _, next := range words[i+1:] {
				if !strings.HasPrefix(next, "-") {
					script = next
					break
				}
			}
			if !strings.HasSuffix(script, "dist/main.js") {
				problems = append(problems, fmt.Sprintf("node runs %q, not a compiled dist/main.js", script))
			}
			if viaShell && (i == 0 || words[i-1] != "exec") {
				problems = append(problems, "node is started by a shell without exec: SIGTERM would reach the shell, not node, and the drain would not run")
			}
		}
	}
	if runs == 0 {
		problems = append(problems, "the command does not run node")
	}
	return problems
}

// installs names the package install a RUN command line does, if any.
func installs(commandLine string) string {
	words := shellWords(commandLine)
	for i, w := range words {
		next := ""
		if i+1 < len(words) {
			next = words[i+1]
		}
		switch w {
		case "npm", "pnpm":
			if next == "ci" || next == "install" || next == "i" || next == "add" || next == "update" {
				return w + " " + next
			}
		case "yarn":
			if next == "" || next == "install" || next == "add" || strings.HasPrefix(next, "-") {
				return strings.TrimSpace("yarn " + next)
			}
		case "npx":
			return "npx"
		}
	}
	return ""
}

// shellWords splits a shell command line into words at blanks, quotes and command separators.
func shellWords(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return r == ' ' || r == '\t' || r == '\n' || r == ';' || r == '&' || r == '|' || r == '"' || r == '\'' || r == '(' || r == ')'
	})
}

func isShell(word string) bool {
	base := filepath.Base(word)
	return base == "sh" || base == "bash" || base == "ash" || base == "dash"
}

// baseOf resolves a stage's base through the stages it is built FROM to an image reference.
func baseOf(stages []instructions.Stage, i int) string {
	base := stages[i].BaseName
	for j := i - 1; j >= 0; j-- {
		if stages[j].Name != "" && strings.EqualFold(stages[j].Name, base) {
			return baseOf(stages, j)
		}
	}
	return base
}

// expandMeta substitutes the ARGs declared before the first FROM, with their defaults, as FROM does.
func expandMeta(df *Dockerfile, word string) (string, error) {
	var env []string
	for _, a := range df.MetaArgs {
		for _, kv := range a.Args {
			if kv.Value != nil {
				env = append(env, kv.Key+"="+*kv.Value)
			}
		}
	}
	expanded, _, err := shell.NewLex('\\').ProcessWord(word, shell.EnvsFromSlice(env))
	return expanded, err
}

var distrolessNode24 = regexp.MustCompile(`^gcr\.io/distroless/nodejs24(-[a-z0-9]+)?$`)

// isNode24 is true for the official node image at a 24 tag (any variant) and distroless nodejs24.
func isNode24(ref string) bool {
	ref = strings.SplitN(ref, "@", 2)[0]
	name, tag := ref, "latest"
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		name, tag = ref[:i], ref[i+1:]
	}
	name = strings.TrimPrefix(strings.TrimPrefix(name, "docker.io/"), "library/")
	if name == "node" {
		return tag == "24" || strings.HasPrefix(tag, "24.") || strings.HasPrefix(tag, "24-")
	}
	return distrolessNode24.MatchString(name)
}

func earlierStage(stages []instructions.Stage, from string) bool {
	if n, err := strconv.Atoi(from); err == nil {
		return n >= 0 && n < len(stages)
	}
	for _, st := range stages {
		if st.Name != "" && strings.EqualFold(st.Name, from) {
			return true
		}
	}
	return false
}

func stageNames(stages []instructions.Stage) string {
	if len(stages) == 0 {
		return "none"
	}
	names := make([]string, len(stages))
	for i, st := range stages {
		names[i] = st.Name
		if names[i] == "" {
			names[i] = strconv.Itoa(i)
		}
	}
	return strings.Join(names, ", ")
}

func portRange(p string) (int32, int32, error) {
	p = strings.SplitN(p, "/", 2)[0]
	lo, hi, isRange := strings.Cut(p, "-")
	a, err := strconv.ParseUint(lo, 10, 16)
	if err != nil {
		return 0, 0, fmt.Errorf("not a port")
	}
	b := a
	if isRange {
		if b, err = strconv.ParseUint(hi, 10, 16); err != nil || b < a {
			return 0, 0, fmt.Errorf("not a port range")
		}
	}
	return int32(a), int32(b), nil
}

// readIgnore reads the ignore file BuildKit uses: <Dockerfile>.dockerignore beside the Dockerfile,
// else .dockerignore at the root of the context.
func readIgnore(dockerfile, context string) (*patternmatcher.PatternMatcher, string, error) {
	for _, name := range []string{dockerfile + ".dockerignore", filepath.Join(context, ".dockerignore")} {
		f, err := os.Open(name)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return nil, "", err
		}
		defer f.Close()
		patterns, err := ignorefile.ReadAll(f)
		if err != nil {
			return nil, "", fmt.Errorf("%s: %w", name, err)
		}
		pm, err := patternmatcher.New(patterns)
		if err != nil {
			return nil, "", fmt.Errorf("%s: %w", name, err)
		}
		return pm, name, nil
	}
	return nil, "", nil
}

// checkContextPath: a COPY source (a path or a glob) matches something in the context that the
// ignore file does not drop.
func checkContextPath(context, src string, ignore *patternmatcher.PatternMatcher, ignoreFile string) string {
	clean := filepath.Clean("/" + src)[1:] // sources are relative to the context, whatever their leading slash
	if clean == "" {
		clean = "."
	}
	matches, err := filepath.Glob(filepath.Join(context, clean))
	if err != nil || len(matches) == 0 {
		return fmt.Sprintf("COPY %s: nothing at %s in the build context", src, clean)
	}
	if ignore == nil || clean == "." {
		return ""
	}
	for _, m := range matches {
		rel, err := filepath.Rel(context, m)
		if err != nil {
			continue
		}
		if excluded, err := ignore.MatchesOrParentMatches(filepath.ToSlash(rel)); err == nil && !excluded {
			return ""
		}
	}
	return fmt.Sprintf("COPY %s: %s excludes it from the build context", src, ignoreFile)
}

func healthString(h *instructions.HealthCheckCommand) string {
	if h == nil || h.Health == nil {
		return "none"
	}
	return strings.Join(h.Health.Test, " ")
}

func line(ranges []parser.Range) int {
	if len(ranges) == 0 {
		return 0
	}
	return ranges[0].Start.Line
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func sortedKeys(m map[string]int64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Exposed is the set of ports the run stage EXPOSEs.
func Exposed(df *Dockerfile) map[int32]bool {
	exposed := map[int32]bool{}
	if len(df.Stages) == 0 {
		return exposed
	}
	for _, c := range df.Stages[len(df.Stages)-1].Commands {
		if e, isExpose := c.(*instructions.ExposeCommand); isExpose {
			for _, p := range e.Ports {
				if lo, hi, err := portRange(p); err == nil {
					for n := lo; n <= hi; n++ {
						exposed[n] = true
					}
				}
			}
		}
	}
	return exposed
}
