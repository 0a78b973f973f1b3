package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/logging"
	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

const (
	// Module that runs a Pulumi program; PULUMI_LANGUAGE_NODEJS_RUN_PATH overrides it, as upstream.
	runModule = "@pulumi/pulumi/cmd/run"
	// Module that runs a policy pack (plugins of kind "analyzer").
	runPolicyPackModule = "@pulumi/pulumi/cmd/run-policy-pack"
	// Module that runs any other plugin written in Node.js (a PulumiPlugin.yaml with runtime nodejs).
	runPluginModule = "@pulumi/pulumi/cmd/run-plugin"

	// Exit code of @pulumi/pulumi's run scripts once they have shown the user an actionable message:
	// the engine is then told to bail out without printing more.
	exitAfterUserActionableMessage = 32
)

// host implements pulumirpc.LanguageRuntimeServer for Node.js.
type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer

	tracing string

	mu            sync.Mutex
	engineAddress string

	// cancelled by the Cancel RPC: every Node.js process we started gets SIGINT.
	cancelCtx context.Context
	cancel    context.CancelFunc
}

func newHost(engineAddress, tracing string) *host {
	ctx, cancel := context.WithCancel(context.Background())
	return &host{engineAddress: engineAddress, tracing: tracing, cancelCtx: ctx, cancel: cancel}
}

func (h *host) engine() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.engineAddress
}

// nodeOptions are the `runtime.options` of a Pulumi.yaml (or PulumiPolicy.yaml / PulumiPlugin.yaml).
type nodeOptions struct {
	typescript     bool     // run TypeScript sources through ts-node (default true)
	tsconfig       string   // path of the tsconfig.json to use
	nodeargs       []string // extra arguments for the node process
	packagemanager string   // auto, npm, yarn, pnpm or bun: only reported by About
}

func parseOptions(opts *structpb.Struct) (nodeOptions, error) {
	result := nodeOptions{typescript: true, packagemanager: "auto"}
	values := opts.AsMap()
	if v, ok := values["typescript"]; ok {
		b, isBool := v.(bool)
		if !isBool {
			return result, errors.New("typescript option must be a boolean")
		}
		result.typescript = b
	}
	if v, ok := values["tsconfig"]; ok {
		s, isString := v.(string)
		if !isString {
			return result, errors.New("tsconfig option must be a string")
		}
		result.tsconfig = s
	}
	if v, ok := values["nodeargs"]; ok {
		s, isString := v.(string)
		if !isString {
			return result, errors.New("nodeargs option must be a string")
		}
		args, err := splitArgs(s)
		if err != nil {
			return result, fmt.Errorf("nodeargs option: %w", err)
		}
		result.nodeargs = args
	}
	if v, ok := values["packagemanager"]; ok {
		s, isString := v.(string)
		if !isString {
			return result, errors.New("packagemanager option must be a string")
		}
		switch s {
		case "auto", "npm", "yarn", "pnpm", "bun":
			result.packagemanager = s
		default:
			return result, fmt.Errorf("packagemanager option must be one of auto, npm, yarn, pnpm or bun, got %q", s)
		}
	}
	return result, nil
}

// typescriptEnv is what @pulumi/pulumi's run scripts read to decide whether to register ts-node.
func (o nodeOptions) typescriptEnv() []string {
	var env []string
	if o.typescript {
		env = append(env, "PULUMI_NODEJS_TYPESCRIPT=true")
	}
	if o.tsconfig != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+o.tsconfig)
	}
	return env
}

// splitArgs splits a command line the way a POSIX shell would for words, quotes and backslashes
// (no expansion of any kind).
func splitArgs(s string) ([]string, error) {
	var args []string
	var cur strings.Builder
	inWord := false
	var quote rune
	escaped := false
	for _, r := range s {
		switch {
		case escaped:
			cur.WriteRune(r)
			escaped = false
		case quote == '\'':
			if r == '\'' {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case quote == '"':
			switch r {
			case '"':
				quote = 0
			case '\\':
				escaped = true
			default:
				cur.WriteRune(r)
			}
		case r == '\\':
			escaped, inWord = true, true
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case r == ' ' || r == '\t' || r == '\n':
			if inWord {
				args = append(args, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unterminated %c quote in %q", quote, s)
	}
	if escaped {
		return nil, fmt.Errorf("trailing backslash in %q", s)
	}
	if inWord {
		args = append(args, cur.String())
	}
	return args, nil
}

// programInfo returns the request's ProgramInfo, or one built from the deprecated fields of older engines.
func programInfo(info *pulumirpc.ProgramInfo, pwd, program string) *pulumirpc.ProgramInfo {
	if info != nil && info.ProgramDirectory != "" {
		return info
	}
	if program == "" {
		program = "."
	}
	return &pulumirpc.ProgramInfo{RootDirectory: pwd, ProgramDirectory: pwd, EntryPoint: program}
}

// resolveModule asks node, started in dir, where a module is: the copy of @pulumi/pulumi that the
// program itself would load.
func resolveModule(ctx context.Context, nodeBin, dir, module, installHint string) (string, error) {
	script := fmt.Sprintf("try { console.log(require.resolve(%q)); } catch (e) { "+
		"if (e.code === 'MODULE_NOT_FOUND') { console.error(%q); } else { console.error(e.message); } "+
		"process.exit(1); }",
		module, "It looks like the Pulumi SDK has not been installed. Have you run "+installHint+"?")
	cmd := exec.CommandContext(ctx, nodeBin, "-e", script)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) && len(exitErr.Stderr) > 0 {
			return "", errors.New(strings.TrimSpace(string(exitErr.Stderr)))
		}
		return "", fmt.Errorf("could not resolve %s from %s: %w", module, dir, err)
	}
	return strings.TrimSpace(string(out)), nil
}

// runArguments builds the command line of @pulumi/pulumi/cmd/run (see its usage text).
func runArguments(req *pulumirpc.RunRequest, info *pulumirpc.ProgramInfo, runPath, engineAddress, tracing string,
) []string {
	args := []string{runPath}
	flagIfSet := func(name, value string) {
		if value != "" {
			args = append(args, "--"+name, value)
		}
	}
	flagIfSet("monitor", req.GetMonitorAddress())
	flagIfSet("engine", engineAddress)
	flagIfSet("organization", req.GetOrganization())
	flagIfSet("project", req.GetProject())
	flagIfSet("root-directory", info.GetRootDirectory())
	flagIfSet("stack", req.GetStack())
	flagIfSet("pwd", info.GetProgramDirectory())
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	flagIfSet("parallel", strconv.Itoa(int(req.GetParallel())))
	flagIfSet("tracing", tracing)
	entry := info.GetEntryPoint()
	if entry == "" {
		entry = "."
	}
	args = append(args, entry)
	return append(args, req.GetArgs()...)
}

// configJSON renders the stack config for PULUMI_CONFIG. Keys are given in the older
// "<namespace>:config:<name>" form, which @pulumi/pulumi reads alongside the newer one.
func configJSON(cfg map[string]string) (string, error) {
	out := make(map[string]string, len(cfg))
	for k, v := range cfg {
		key, err := config.ParseKey(k)
		if err != nil {
			return "", fmt.Errorf("config key %q: %w", k, err)
		}
		out[key.Namespace()+":config:"+key.Name()] = v
	}
	b, err := json.Marshal(out)
	return string(b), err
}

func secretKeysJSON(keys []string) (string, error) {
	if keys == nil {
		keys = []string{}
	}
	b, err := json.Marshal(keys)
	return string(b), err
}

// exitMessage turns the way a Node.js process ended into the text the engine shows, and tells whether
// the process had already explained the failure itself.
func exitMessage(err error, what string) (message string, bail bool) {
	if err == nil {
		return "", false
	}
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		switch code := exitErr.ExitCode(); code {
		case exitAfterUserActionableMessage:
			return "", true
		case -1:
			return fmt.Sprintf("%s was stopped: %v", what, exitErr), false
		default:
			return fmt.Sprintf("%s exited with non-zero exit code: %d", what, code), false
		}
	}
	return fmt.Sprintf("Problem executing %s (could not run node): %v", strings.ToLower(what), err), false
}

// nodeCommand makes a node process that gets SIGINT (then, 5 s later, SIGKILL) when either ctx ends or
// the engine sends Cancel.
func (h *host) nodeCommand(ctx context.Context, nodeBin string, args []string) (*exec.Cmd, context.CancelFunc) {
	cmdCtx, cancel := context.WithCancel(h.cancelCtx)
	stop := context.AfterFunc(ctx, cancel)
	cmd := exec.CommandContext(cmdCtx, nodeBin, args...)
	cmd.Cancel = func() error {
		if err := cmd.Process.Signal(os.Interrupt); err != nil {
			return cmd.Process.Kill()
		}
		return nil
	}
	cmd.WaitDelay = 5 * time.Second
	return cmd, func() { stop(); cancel() }
}

// Run runs a Pulumi program: `node <nodeargs> @pulumi/pulumi/cmd/run <flags> <entry point> <args>`.
func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	info := programInfo(req.GetInfo(), req.GetPwd(), req.GetProgram()) //nolint:staticcheck // older engines
	opts, err := parseOptions(info.GetOptions())
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	nodeBin, err := exec.LookPath("node")
	if err != nil {
		return &pulumirpc.RunResponse{Error: "could not find node on the $PATH: " + err.Error()}, nil
	}
	module := os.Getenv("PULUMI_LANGUAGE_NODEJS_RUN_PATH")
	if module == "" {
		module = runModule
	}
	runPath, err := resolveModule(ctx, nodeBin, info.GetProgramDirectory(), module, "pulumi install")
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}

	cfg, err := configJSON(req.GetConfig())
	if err != nil {
		return &pulumirpc.RunResponse{Error: "failed to serialize configuration: " + err.Error()}, nil
	}
	secretKeys, err := secretKeysJSON(req.GetConfigSecretKeys())
	if err != nil {
		return &pulumirpc.RunResponse{Error: "failed to serialize configuration secret keys: " + err.Error()}, nil
	}
	env := append(os.Environ(), "PULUMI_CONFIG="+cfg, "PULUMI_CONFIG_SECRET_KEYS="+secretKeys)
	env = append(env, opts.typescriptEnv()...)

	args := append(append([]string{}, opts.nodeargs...),
		runArguments(req, info, runPath, h.engine(), h.tracing)...)
	logging.V(5).Infof("pulumi-language-nodejs: running %s %s", nodeBin, strings.Join(args, " "))

	cmd, done := h.nodeCommand(ctx, nodeBin, args)
	defer done()
	cmd.Dir = info.GetProgramDirectory()
	cmd.Env = env
	// Hand node pipes rather than our own stdout/stderr: node may switch its stdio to non-blocking mode,
	// which must not leak into our file descriptors.
	cmd.Stdout = struct{ io.Writer }{os.Stdout}
	cmd.Stderr = struct{ io.Writer }{os.Stderr}
	runErr := cmd.Run()
	message, bail := exitMessage(runErr, "Program")
	return &pulumirpc.RunResponse{Error: message, Bail: bail}, nil
}

func (h *host) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version.Version}, nil
}

func (h *host) Handshake(
	_ context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	h.mu.Lock()
	h.engineAddress = req.GetEngineAddress()
	h.mu.Unlock()
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *host) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	h.cancel()
	return &emptypb.Empty{}, nil
}

// InstallDependencies does not install anything: in this project `npm ci` is run explicitly (by the
// developer, CI and the build scripts), never behind the engine's back.
func (h *host) InstallDependencies(
	req *pulumirpc.InstallDependenciesRequest, server pulumirpc.LanguageRuntime_InstallDependenciesServer,
) error {
	dir := req.GetInfo().GetProgramDirectory()
	if dir == "" {
		dir = req.GetDirectory() //nolint:staticcheck // older engines
	}
	msg := fmt.Sprintf("pulumi-language-nodejs (AITB build): not installing dependencies in %s; "+
		"run `npm ci` there yourself.\n", dir)
	return server.Send(&pulumirpc.InstallDependenciesResponse{Stdout: []byte(msg)})
}

func (h *host) RuntimeOptionsPrompts(
	context.Context, *pulumirpc.RuntimeOptionsRequest,
) (*pulumirpc.RuntimeOptionsResponse, error) {
	return &pulumirpc.RuntimeOptionsResponse{}, nil
}

func (h *host) Template(context.Context, *pulumirpc.TemplateRequest) (*pulumirpc.TemplateResponse, error) {
	return &pulumirpc.TemplateResponse{}, nil
}

func (h *host) About(ctx context.Context, req *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	opts, err := parseOptions(req.GetInfo().GetOptions())
	if err != nil {
		return nil, err
	}
	nodeBin, err := exec.LookPath("node")
	if err != nil {
		return nil, fmt.Errorf("could not find node on the $PATH: %w", err)
	}
	if abs, err := filepath.Abs(nodeBin); err == nil {
		nodeBin = abs
	}
	firstLine := func(name string, args ...string) string {
		out, err := exec.CommandContext(ctx, name, args...).Output()
		if err != nil {
			return ""
		}
		return strings.TrimSpace(string(out))
	}
	pm := opts.packagemanager
	if pm == "auto" {
		pm = "npm"
	}
	metadata := map[string]string{"packagemanager": pm}
	if v := firstLine(pm, "--version"); v != "" {
		metadata["packagemanagerVersion"] = v
	}
	return &pulumirpc.AboutResponse{
		Executable: nodeBin,
		Version:    firstLine(nodeBin, "--version"),
		Metadata:   metadata,
	}, nil
}
