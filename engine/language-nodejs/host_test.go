package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/structpb"
)

func TestSplitArgs(t *testing.T) {
	cases := map[string][]string{
		"":                                nil,
		"--inspect":                       {"--inspect"},
		"  --a   b ":                      {"--a", "b"},
		`--title "two words" 'single q'`:  {"--title", "two words", "single q"},
		`a\ b "c\"d" ''`:                  {"a b", `c"d`, ""},
		"--max-old-space-size=4096 -r x ": {"--max-old-space-size=4096", "-r", "x"},
	}
	for in, want := range cases {
		got, err := splitArgs(in)
		if err != nil {
			t.Fatalf("splitArgs(%q): %v", in, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("splitArgs(%q) = %q, want %q", in, got, want)
		}
	}
	if _, err := splitArgs(`"open`); err == nil {
		t.Error("an unterminated quote should fail")
	}
}

func TestParseOptions(t *testing.T) {
	opts, err := parseOptions(nil)
	if err != nil || !opts.typescript || opts.packagemanager != "auto" {
		t.Fatalf("defaults: %+v %v", opts, err)
	}
	s, _ := structpb.NewStruct(map[string]any{
		"typescript": false, "tsconfig": "tsconfig.build.json", "nodeargs": "--a 'b c'", "packagemanager": "npm",
	})
	opts, err = parseOptions(s)
	if err != nil {
		t.Fatal(err)
	}
	if opts.typescript || opts.tsconfig != "tsconfig.build.json" || opts.packagemanager != "npm" ||
		!reflect.DeepEqual(opts.nodeargs, []string{"--a", "b c"}) {
		t.Errorf("parsed %+v", opts)
	}
	if !reflect.DeepEqual(opts.typescriptEnv(), []string{"PULUMI_NODEJS_TSCONFIG_PATH=tsconfig.build.json"}) {
		t.Errorf("env %q", opts.typescriptEnv())
	}
	bad, _ := structpb.NewStruct(map[string]any{"typescript": "yes"})
	if _, err := parseOptions(bad); err == nil {
		t.Error("a non-boolean typescript option should fail")
	}
}

func TestRunArguments(t *testing.T) {
	req := &pulumirpc.RunRequest{
		MonitorAddress: "127.0.0.1:1", Organization: "org", Project: "proj", Stack: "dev",
		DryRun: true, Parallel: 16, Args: []string{"extra"},
	}
	info := &pulumirpc.ProgramInfo{RootDirectory: "/p", ProgramDirectory: "/p/src", EntryPoint: "."}
	got := runArguments(req, info, "/run.js", "127.0.0.1:2", "")
	want := []string{
		"/run.js", "--monitor", "127.0.0.1:1", "--engine", "127.0.0.1:2", "--organization", "org",
		"--project", "proj", "--root-directory", "/p", "--stack", "dev", "--pwd", "/p/src", "--dry-run",
		"--parallel", "16", ".", "extra",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("runArguments =\n %q\nwant\n %q", got, want)
	}
}

func TestConfigJSON(t *testing.T) {
	got, err := configJSON(map[string]string{"aitb:activeColor": "blue", "docker:host": "unix:///x"})
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]string
	if err := json.Unmarshal([]byte(got), &m); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"aitb:config:activeColor": "blue", "docker:config:host": "unix:///x"}
	if !reflect.DeepEqual(m, want) {
		t.Errorf("configJSON = %v, want %v", m, want)
	}
	if s, _ := secretKeysJSON(nil); s != "[]" {
		t.Errorf("secretKeysJSON(nil) = %s", s)
	}
}

func writeJSON(t *testing.T, path string, v any) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(v)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestRequiredPackages(t *testing.T) {
	shared := t.TempDir()
	nm := filepath.Join(shared, "node_modules")
	writeJSON(t, filepath.Join(nm, "@pulumi", "pulumi", "package.json"),
		map[string]any{"name": "@pulumi/pulumi", "version": "3.248.0"})
	writeJSON(t, filepath.Join(nm, "@pulumi", "docker", "package.json"),
		map[string]any{"name": "@pulumi/docker", "version": "4.11.2", "pulumi": map[string]any{"resource": true}})
	writeJSON(t, filepath.Join(nm, "@pulumi", "docker", "node_modules", "@pulumi", "command", "package.json"),
		map[string]any{"name": "@pulumi/command", "version": "1.2.1",
			"pulumi": map[string]any{"resource": true, "version": "v1.2.1", "server": "https://example.invalid"}})
	writeJSON(t, filepath.Join(nm, "left-pad", "package.json"), map[string]any{"name": "left-pad", "version": "1.0.0"})

	// The program reaches the packages through a symbolic link, as the engine tests in this repo do.
	program := t.TempDir()
	if err := os.Symlink(nm, filepath.Join(program, "node_modules")); err != nil {
		t.Fatal(err)
	}
	writeJSON(t, filepath.Join(program, "package.json"),
		map[string]any{"name": "toy", "dependencies": map[string]string{"@pulumi/pulumi": "3.248.0"}})

	deps, err := requiredPackages(program)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range deps {
		got = append(got, d.Name+"@"+d.Version+"@"+d.Server)
	}
	want := []string{"command@v1.2.1@https://example.invalid", "docker@v4.11.2@"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("requiredPackages = %q, want %q", got, want)
	}

	h := newHost("", "")
	resp, err := h.GetProgramDependencies(t.Context(), &pulumirpc.GetProgramDependenciesRequest{
		Info: &pulumirpc.ProgramInfo{ProgramDirectory: program},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Dependencies) != 1 || resp.Dependencies[0].Version != "3.248.0" {
		t.Errorf("direct dependencies = %v", resp.Dependencies)
	}
	resp, err = h.GetProgramDependencies(t.Context(), &pulumirpc.GetProgramDependenciesRequest{
		Info: &pulumirpc.ProgramInfo{ProgramDirectory: program}, TransitiveDependencies: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Dependencies) != 4 {
		t.Errorf("transitive dependencies = %v", resp.Dependencies)
	}
}
