// A cross-check for the chart's TypeScript renderer (../go-template.ts): the real Go text/template with Sprig and
// Helm's own include/toYaml/required/fail, the way Helm's engine sets them up (missingkey=zero, "<no value>"
// removed). Built only where Go and Debian's golang-github-masterminds-sprig-dev are installed; see
// ../helm-engine.test.ts.
//
// Usage: helm-engine CHART_DIR < data.json   (data: {"Values":…, "Chart":…, "Release":…})
// Prints {"files": {"deployment.yaml": "…", …}} or {"error": "…"}.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig"
	"gopkg.in/yaml.v2"
)

func main() {
	chartDir := os.Args[1]
	var data map[string]interface{}
	if err := json.NewDecoder(os.Stdin).Decode(&data); err != nil {
		report(map[string]interface{}{"error": err.Error()})
	}
	t := template.New("gotpl").Option("missingkey=zero")
	funcs := sprig.TxtFuncMap()
	delete(funcs, "env")
	delete(funcs, "expandenv")
	funcs["include"] = func(name string, data interface{}) (string, error) {
		var buf strings.Builder
		err := t.ExecuteTemplate(&buf, name, data)
		return buf.String(), err
	}
	funcs["toYaml"] = func(v interface{}) string {
		b, err := yaml.Marshal(v)
		if err != nil {
			return ""
		}
		return strings.TrimSuffix(string(b), "\n")
	}
	funcs["required"] = func(msg string, v interface{}) (interface{}, error) {
		if v == nil || v == "" {
			return v, errors.New(msg)
		}
		return v, nil
	}
	funcs["fail"] = func(msg string) (string, error) { return "", errors.New(msg) }
	t.Funcs(funcs)

	files, _ := filepath.Glob(filepath.Join(chartDir, "templates", "*"))
	sort.Strings(files)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			report(map[string]interface{}{"error": err.Error()})
		}
		if _, err := t.New(filepath.Base(f)).Parse(string(b)); err != nil {
			report(map[string]interface{}{"error": err.Error()})
		}
	}
	out := map[string]string{}
	for _, f := range files {
		base := filepath.Base(f)
		if strings.HasPrefix(base, "_") || !(strings.HasSuffix(base, ".yaml") || base == "NOTES.txt") {
			continue
		}
		var buf bytes.Buffer
		if err := t.ExecuteTemplate(&buf, base, data); err != nil {
			report(map[string]interface{}{"error": err.Error()})
		}
		out[base] = strings.ReplaceAll(buf.String(), "<no value>", "")
	}
	report(map[string]interface{}{"files": out})
}

func report(v map[string]interface{}) {
	_ = json.NewEncoder(os.Stdout).Encode(v)
	os.Exit(0)
}
