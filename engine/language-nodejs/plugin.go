package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"

	sdk "github.com/pulumi/pulumi/sdk/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/contract"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/logging"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// RunPlugin runs a plugin written in Node.js: a policy pack (a folder with a PulumiPolicy.yaml, kind
// "analyzer") or any other plugin (a folder with a PulumiPlugin.yaml). The engine reads the plugin's port
// from the stdout we stream back.
//
// Policy packs built on @pulumi/policy expect the stack's organization, project, stack, dry-run flag and
// config in PULUMI_NODEJS_* / PULUMI_CONFIG variables, which newer engines only send over gRPC
// (Analyzer.ConfigureStack). So, as upstream does, a policy pack is fronted by sdk.PolicyProxy: the proxy
// answers the engine first, receives that configuration, and only then is the policy pack started with it in
// its environment; everything after that is forwarded to the policy pack.
func (h *host) RunPlugin(req *pulumirpc.RunPluginRequest, server pulumirpc.LanguageRuntime_RunPluginServer) error {
	ctx := server.Context()
	info := programInfo(req.GetInfo(), req.GetProgram(), ".") //nolint:staticcheck // older engines
	dir := info.GetProgramDirectory()
	analyzer := req.GetKind() == string(apitype.AnalyzerPlugin)
	logging.V(5).Infof("pulumi-language-nodejs: running %s plugin in %s", req.GetKind(), dir)

	closer, stdout, stderr, err := rpcutil.MakeRunPluginStreams(server, false)
	if err != nil {
		return err
	}
	defer contract.IgnoreClose(closer)

	nodeBin, err := exec.LookPath("node")
	if err != nil {
		return fmt.Errorf("could not find node on the $PATH: %w", err)
	}
	opts, err := parseOptions(info.GetOptions())
	if err != nil {
		return err
	}

	module := runPluginModule
	if analyzer {
		module = runPolicyPackModule
	} else if override := os.Getenv("PULUMI_LANGUAGE_NODEJS_RUN_PATH"); override != "" {
		module = override
	}
	scriptPath, err := resolveModule(ctx, nodeBin, dir, module, "npm install in "+dir)
	if err != nil {
		return err
	}

	args := append(append([]string{}, opts.nodeargs...), scriptPath)
	if analyzer {
		// run-policy-pack takes <engine-address> <program>: the engine's arguments come first.
		args = append(append(args, req.GetArgs()...), dir)
	} else {
		// run-plugin takes <program> <args...>.
		args = append(append(args, dir), req.GetArgs()...)
	}

	env := append(append([]string{}, req.GetEnv()...), opts.typescriptEnv()...)

	var proxy *sdk.PolicyProxy
	if analyzer {
		proxy, stdout, err = sdk.NewPolicyProxy(ctx, stdout)
		if err != nil {
			return fmt.Errorf("could not start the policy pack proxy: %w", err)
		}
		stack, err := proxy.AwaitConfiguration(ctx)
		if err != nil {
			return fmt.Errorf("could not get the stack configuration for the policy pack: %w", err)
		}
		policyEnv, err := policyPackEnv(stack)
		if err != nil {
			return err
		}
		env = append(env, policyEnv...)
	}

	cmd, done := h.nodeCommand(ctx, nodeBin, args)
	defer done()
	// Node.js policy packs have always run in their own folder; other plugins in the engine's folder.
	if analyzer || req.GetPwd() == "" {
		cmd.Dir = dir
	} else {
		cmd.Dir = req.GetPwd()
	}
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = stdout, stderr
	logging.V(5).Infof("pulumi-language-nodejs: running %s %s", nodeBin, strings.Join(args, " "))

	if err := cmd.Start(); err != nil {
		return fmt.Errorf("problem executing plugin program (could not run node): %w", err)
	}
	if proxy != nil {
		// Attach reads the policy pack's port, hands it the stack configuration and waits for it to exit.
		err = proxy.Attach(ctx, cmd)
	} else {
		err = cmd.Wait()
	}
	if err != nil {
		if _, isExit := err.(*exec.ExitError); isExit {
			message, _ := exitMessage(err, "Plugin")
			return fmt.Errorf("%s", message)
		}
		return err
	}
	return closer.Close()
}

// policyPackEnv is the environment that @pulumi/policy (through @pulumi/pulumi's runtime settings) reads
// the stack it is checking from.
func policyPackEnv(stack *pulumirpc.AnalyzerStackConfigureRequest) ([]string, error) {
	if stack == nil {
		return nil, nil
	}
	var env []string
	setIfAny := func(k, v string) {
		if v != "" {
			env = append(env, k+"="+v)
		}
	}
	setIfAny("PULUMI_NODEJS_ORGANIZATION", stack.GetOrganization())
	setIfAny("PULUMI_NODEJS_PROJECT", stack.GetProject())
	setIfAny("PULUMI_NODEJS_STACK", stack.GetStack())
	setIfAny("PULUMI_NODEJS_DRY_RUN", strconv.FormatBool(stack.GetDryRun()))
	if stack.GetConfig() != nil {
		b, err := json.Marshal(stack.GetConfig())
		if err != nil {
			return nil, fmt.Errorf("could not serialize the stack configuration: %w", err)
		}
		setIfAny("PULUMI_CONFIG", string(b))
	}
	if keys := stack.GetConfigSecretKeys(); len(keys) > 0 {
		b, err := json.Marshal(keys)
		if err != nil {
			return nil, fmt.Errorf("could not serialize the secret config keys: %w", err)
		}
		setIfAny("PULUMI_CONFIG_SECRET_KEYS", string(b))
	}
	return env, nil
}
