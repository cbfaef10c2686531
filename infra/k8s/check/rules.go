package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/validate/content"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
)

// What the processes do, as the chart must know it (libs/runtime, libs/config, services/gateway).
const (
	healthPath               = "/healthz" // alive: answers once the HTTP server listens, checks nothing else
	readyPath                = "/readyz"  // Kafka and MongoDB answer, consumers joined, not draining
	defaultShutdownTimeoutMs = 15000      // SHUTDOWN_TIMEOUT_MS
	defaultDrainWindowMs     = 10000      // GATEWAY_DRAIN_WINDOW_MS
	youngGenerationFlag      = "--max-semi-space-size="
)

// Secrets is what secretKeyRefs and secret volumes may name: the Secrets the chart renders (with
// their keys) and the names the values give as existing, made outside the chart (keys unknown).
type Secrets struct {
	Rendered map[string]map[string]bool
	Existing map[string]bool
}

// Check applies the product's rules to the decoded objects of one rendering and returns every problem.
func Check(objects []*Object, existingSecrets []string) []string {
	var problems []string
	fail := func(o *Object, format string, args ...interface{}) {
		problems = append(problems, fmt.Sprintf("%s %s: %s", o.Kind, o.Name, fmt.Sprintf(format, args...)))
	}
	secrets := Secrets{Rendered: map[string]map[string]bool{}, Existing: map[string]bool{}}
	for _, name := range existingSecrets {
		secrets.Existing[name] = true
	}
	deployments := map[string]*appsv1.Deployment{}
	seen := map[string]bool{}
	for _, o := range objects {
		id := o.APIVersion + "/" + o.Kind + "/" + o.Name
		if seen[id] {
			fail(o, "rendered twice")
		}
		seen[id] = true
		switch v := o.Value.(type) {
		case *corev1.Secret:
			keys := map[string]bool{}
			for k := range v.Data {
				keys[k] = true
			}
			for k := range v.StringData {
				keys[k] = true
			}
			secrets.Rendered[v.Name] = keys
		case *appsv1.Deployment:
			deployments[v.Name] = v
		}
	}
	for _, o := range objects {
		for _, p := range checkNames(o) {
			fail(o, "%s", p)
		}
		switch v := o.Value.(type) {
		case *appsv1.Deployment:
			for _, p := range checkDeployment(v, secrets) {
				fail(o, "%s", p)
			}
		case *autoscalingv2.HorizontalPodAutoscaler:
			ref := v.Spec.ScaleTargetRef
			if ref.APIVersion != "apps/v1" || ref.Kind != "Deployment" || deployments[ref.Name] == nil {
				fail(o, "scales %s %s %q, which the chart does not render", ref.APIVersion, ref.Kind, ref.Name)
			} else if d := deployments[ref.Name]; d.Spec.Replicas != nil {
				fail(o, "Deployment %s also sets replicas, which every upgrade would reset under the autoscaler", ref.Name)
			}
			if len(v.Spec.Metrics) == 0 {
				fail(o, "no metrics")
			}
		case *corev1.Service:
			if p := checkService(v, deployments); p != "" {
				fail(o, "%s", p)
			}
		}
	}
	return problems
}

func checkDeployment(d *appsv1.Deployment, secrets Secrets) []string {
	var problems []string
	pod := d.Spec.Template.Spec
	if len(pod.Containers) == 0 {
		return []string{"no containers"}
	}
	gateway := d.Spec.Template.Labels["app.kubernetes.io/component"] == "gateway"
	nonRootPod := pod.SecurityContext != nil && pod.SecurityContext.RunAsNonRoot != nil && *pod.SecurityContext.RunAsNonRoot
	for _, c := range pod.Containers {
		say := func(format string, args ...interface{}) {
			problems = append(problems, fmt.Sprintf("container %s: %s", c.Name, fmt.Sprintf(format, args...)))
		}
		env := map[string]string{}
		for _, e := range c.Env {
			if _, dup := env[e.Name]; dup {
				say("%s is set twice (the last one wins, silently)", e.Name)
			}
			env[e.Name] = e.Value
			if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
				if p := checkSecretRef(e.ValueFrom.SecretKeyRef, secrets); p != "" {
					say("%s: %s", e.Name, p)
				}
			}
		}
		port, ok := httpPort(c, env)
		if !ok {
			say("no http port: a containerPort named http, equal to PORT")
		}
		probe := func(which string, p *corev1.Probe, path string) {
			if p == nil || p.HTTPGet == nil {
				say("no %s probe (HTTP GET %s)", which, path)
				return
			}
			if which == "liveness" && p.HTTPGet.Path == readyPath {
				say("liveness on %s would restart a process whose Kafka is briefly away (use %s)", readyPath, healthPath)
			} else if p.HTTPGet.Path != path {
				say("%s probe on %q, not %s", which, p.HTTPGet.Path, path)
			}
			if ok && !samePort(p.HTTPGet.Port, c, port) {
				say("%s probe on port %s, not the http port %d", which, p.HTTPGet.Port.String(), port)
			}
		}
		probe("readiness", c.ReadinessProbe, readyPath)
		probe("liveness", c.LivenessProbe, healthPath)
		if c.StartupProbe != nil {
			probe("startup", c.StartupProbe, healthPath)
		}
		preStop, hasPreStop := preStopSeconds(c)
		if !hasPreStop {
			say("no preStop: SIGTERM would come while the endpoint still takes requests")
		}
		requests, limits := c.Resources.Requests, c.Resources.Limits
		if requests.Cpu().IsZero() || requests.Memory().IsZero() {
			say("resources.requests needs cpu and memory (the HPA and the scheduler work from them)")
		}
		if limits.Memory().IsZero() {
			say("resources.limits needs memory")
		}
		if !strings.Contains(env["NODE_OPTIONS"], youngGenerationFlag) {
			say("NODE_OPTIONS without %s64 (the young generation the services are measured with)", youngGenerationFlag)
		}
		nonRoot := nonRootPod
		if c.SecurityContext != nil && c.SecurityContext.RunAsNonRoot != nil {
			nonRoot = *c.SecurityContext.RunAsNonRoot
		}
		if !nonRoot {
			say("runAsNonRoot is not set")
		}
		shutdownMs, err := envMillis(env, "SHUTDOWN_TIMEOUT_MS", defaultShutdownTimeoutMs)
		if err != nil {
			say("%v", err)
		}
		grace := int64(30)
		if pod.TerminationGracePeriodSeconds != nil {
			grace = *pod.TerminationGracePeriodSeconds
		}
		if need := preStop + int64(math.Ceil(float64(shutdownMs)/1000)); grace < need {
			say("terminationGracePeriodSeconds %d < preStop %d s + SHUTDOWN_TIMEOUT_MS %d ms: killed before it stops by itself", grace, preStop, shutdownMs)
		}
		if gateway {
			drainMs, err := envMillis(env, "GATEWAY_DRAIN_WINDOW_MS", defaultDrainWindowMs)
			if err != nil {
				say("%v", err)
			}
			if need := preStop + int64(math.Ceil(float64(drainMs)/1000)); grace < need {
				say("terminationGracePeriodSeconds %d < preStop %d s + GATEWAY_DRAIN_WINDOW_MS %d ms: clients cut off mid-drain", grace, preStop, drainMs)
			}
			if shutdownMs <= drainMs {
				say("SHUTDOWN_TIMEOUT_MS %d does not leave room after the %d ms drain window", shutdownMs, drainMs)
			}
		}
	}
	for _, vol := range pod.Volumes {
		if vol.Secret != nil && secrets.Rendered[vol.Secret.SecretName] == nil && !secrets.Existing[vol.Secret.SecretName] {
			problems = append(problems, fmt.Sprintf("volume %s: Secret %q is neither rendered by the chart nor named in the values as existing", vol.Name, vol.Secret.SecretName))
		}
	}
	return problems
}

func checkSecretRef(ref *corev1.SecretKeySelector, secrets Secrets) string {
	if keys, ok := secrets.Rendered[ref.Name]; ok {
		if !keys[ref.Key] && (ref.Optional == nil || !*ref.Optional) {
			return fmt.Sprintf("Secret %s has no key %s (the pod would not start)", ref.Name, ref.Key)
		}
		return ""
	}
	if secrets.Existing[ref.Name] {
		return ""
	}
	return fmt.Sprintf("Secret %q is neither rendered by the chart nor named in the values as existing", ref.Name)
}

// httpPort is the container's port named http, which must be the PORT it is told to listen on.
func httpPort(c corev1.Container, env map[string]string) (int32, bool) {
	for _, p := range c.Ports {
		if p.Name == "http" {
			if env["PORT"] != strconv.Itoa(int(p.ContainerPort)) {
				return 0, false
			}
			return p.ContainerPort, true
		}
	}
	return 0, false
}

func samePort(port intstr.IntOrString, c corev1.Container, want int32) bool {
	if port.Type == intstr.Int {
		return port.IntVal == want
	}
	for _, p := range c.Ports {
		if p.Name == port.StrVal {
			return p.ContainerPort == want
		}
	}
	return false
}

// preStopSeconds is how long the container's preStop hook waits: `sleep N` or a sleep action.
func preStopSeconds(c corev1.Container) (int64, bool) {
	if c.Lifecycle == nil || c.Lifecycle.PreStop == nil {
		return 0, false
	}
	h := c.Lifecycle.PreStop
	if h.Sleep != nil {
		return h.Sleep.Seconds, true
	}
	if h.Exec != nil && len(h.Exec.Command) == 2 && h.Exec.Command[0] == "sleep" {
		if n, err := strconv.ParseInt(h.Exec.Command[1], 10, 64); err == nil {
			return n, true
		}
	}
	return 0, h.Exec != nil || h.HTTPGet != nil
}

func envMillis(env map[string]string, name string, fallback int64) (int64, error) {
	raw, ok := env[name]
	if !ok || raw == "" {
		return fallback, nil
	}
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || n < 0 {
		return fallback, fmt.Errorf("%s=%q is not a number of milliseconds", name, raw)
	}
	return n, nil
}

// checkService: the Service selects a rendered Deployment's pods and its ports reach a container port.
func checkService(s *corev1.Service, deployments map[string]*appsv1.Deployment) string {
	for _, d := range deployments {
		if !selects(s.Spec.Selector, d.Spec.Template.Labels) {
			continue
		}
		for _, sp := range s.Spec.Ports {
			if !reaches(sp.TargetPort, d.Spec.Template.Spec.Containers) {
				return fmt.Sprintf("port %s targets %s, which no container of Deployment %s exposes", sp.Name, sp.TargetPort.String(), d.Name)
			}
		}
		return ""
	}
	return "selects no rendered Deployment's pods"
}

func selects(selector, labels map[string]string) bool {
	if len(selector) == 0 {
		return false
	}
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return true
}

func reaches(target intstr.IntOrString, containers []corev1.Container) bool {
	for _, c := range containers {
		for _, p := range c.Ports {
			if (target.Type == intstr.String && p.Name == target.StrVal) || (target.Type == intstr.Int && p.ContainerPort == target.IntVal) {
				return true
			}
		}
	}
	return false
}

// checkNames applies the API server's rules for names the types cannot express: object names, label
// keys and values, port names and environment variable names. A release name that makes them too
// long, or a port name over 15 characters, is refused at install time; here it fails first.
func checkNames(o *Object) []string {
	var problems []string
	add := func(what, value string, errs []string) {
		if len(errs) > 0 {
			problems = append(problems, fmt.Sprintf("%s %q: %s", what, value, strings.Join(errs, "; ")))
		}
	}
	if o.Kind == "Service" {
		add("name", o.Name, validation.IsDNS1035Label(o.Name))
	} else {
		add("name", o.Name, validation.IsDNS1123Subdomain(o.Name))
	}
	labels := func(where string, m map[string]string) {
		for k, v := range m {
			add(where+" label key", k, content.IsLabelKey(k))
			add(where+" label "+k, v, content.IsLabelValue(v))
		}
	}
	if meta, ok := o.Value.(metav1.Object); ok {
		labels("metadata", meta.GetLabels())
	}
	if d, ok := o.Value.(*appsv1.Deployment); ok {
		labels("pod template", d.Spec.Template.Labels)
		for _, c := range d.Spec.Template.Spec.Containers {
			add("container name", c.Name, validation.IsDNS1123Label(c.Name))
			for _, p := range c.Ports {
				add("container "+c.Name+" port name", p.Name, validation.IsValidPortName(p.Name))
			}
			for _, e := range c.Env {
				add("container "+c.Name+" env", e.Name, validation.IsEnvVarName(e.Name))
			}
		}
	}
	return problems
}
