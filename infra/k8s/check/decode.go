package main

import (
	"errors"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	sigsjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// Object is a decoded document: its kind and name, and the typed k8s.io/api value.
type Object struct {
	APIVersion string
	Kind       string
	Name       string
	Template   string
	Value      interface{}
}

// The kinds the chart may render, by apiVersion and kind. Anything else is an error: a kind the
// cluster does not serve under that apiVersion fails the install, so it fails here first.
var kinds = map[string]func() interface{}{
	"v1/Secret":                              func() interface{} { return &corev1.Secret{} },
	"v1/Service":                             func() interface{} { return &corev1.Service{} },
	"v1/ConfigMap":                           func() interface{} { return &corev1.ConfigMap{} },
	"apps/v1/Deployment":                     func() interface{} { return &appsv1.Deployment{} },
	"policy/v1/PodDisruptionBudget":          func() interface{} { return &policyv1.PodDisruptionBudget{} },
	"autoscaling/v2/HorizontalPodAutoscaler": func() interface{} { return &autoscalingv2.HorizontalPodAutoscaler{} },
	"networking.k8s.io/v1/NetworkPolicy":     func() interface{} { return &networkingv1.NetworkPolicy{} },
	"networking.k8s.io/v1/Ingress":           func() interface{} { return &networkingv1.Ingress{} },
}

// Decode decodes one YAML document strictly into its k8s.io/api type: a duplicate key, a field the
// type does not have (misspelt, or at the wrong level; names are case-sensitive), a value of the
// wrong type or an unknown apiVersion/kind is an error.
func Decode(doc Document) (*Object, error) {
	data, err := yaml.YAMLToJSONStrict([]byte(doc.YAML))
	if err != nil {
		return nil, fmt.Errorf("%s: not valid YAML: %w", doc.Template, err)
	}
	var meta metav1.TypeMeta
	if err := sigsjson.UnmarshalCaseSensitivePreserveInts(data, &meta); err != nil {
		return nil, fmt.Errorf("%s: %w", doc.Template, err)
	}
	if meta.APIVersion == "" || meta.Kind == "" {
		return nil, fmt.Errorf("%s: a document without apiVersion and kind", doc.Template)
	}
	key := meta.APIVersion + "/" + meta.Kind
	newValue, ok := kinds[key]
	if !ok {
		return nil, fmt.Errorf("%s: unknown kind %s %s", doc.Template, meta.APIVersion, meta.Kind)
	}
	value := newValue()
	strict, err := sigsjson.UnmarshalStrict(data, value, sigsjson.DisallowDuplicateFields, sigsjson.DisallowUnknownFields)
	if err != nil {
		return nil, fmt.Errorf("%s: %s %s: %w", doc.Template, meta.APIVersion, meta.Kind, err)
	}
	if len(strict) > 0 {
		return nil, fmt.Errorf("%s: %s %s: %w", doc.Template, meta.APIVersion, meta.Kind, errors.Join(strict...))
	}
	accessor, ok := value.(metav1.Object)
	if !ok || accessor.GetName() == "" {
		return nil, fmt.Errorf("%s: %s %s without metadata.name", doc.Template, meta.APIVersion, meta.Kind)
	}
	return &Object{APIVersion: meta.APIVersion, Kind: meta.Kind, Name: accessor.GetName(), Template: doc.Template, Value: value}, nil
}
