package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/logging"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// packageJSON is the part of a package.json we read.
type packageJSON struct {
	Name            string                  `json:"name"`
	Version         string                  `json:"version"`
	Pulumi          plugin.PulumiPluginJSON `json:"pulumi"`
	Dependencies    map[string]string       `json:"dependencies"`
	DevDependencies map[string]string       `json:"devDependencies"`
}

func readPackageJSON(path string) (*packageJSON, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var p packageJSON
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("parsing %s: %w", path, err)
	}
	return &p, nil
}

// installedPackage is one package found under a node_modules folder.
type installedPackage struct {
	dir  string
	info *packageJSON
}

// walkNodeModules calls visit for every package installed under dir/node_modules, then under each
// package's own node_modules, and so on. Symbolic links are followed; every real folder is seen once.
func walkNodeModules(dir string, visit func(installedPackage)) error {
	seen := map[string]bool{}
	var errs []error
	var walk func(nodeModules string)
	walk = func(nodeModules string) {
		real, err := filepath.EvalSymlinks(nodeModules)
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, err)
			}
			return
		}
		if seen[real] {
			return
		}
		seen[real] = true
		entries, err := os.ReadDir(real)
		if err != nil {
			errs = append(errs, err)
			return
		}
		var pkgDirs []string
		for _, e := range entries {
			name := e.Name()
			if strings.HasPrefix(name, ".") {
				continue // .bin, .package-lock.json, .cache
			}
			if strings.HasPrefix(name, "@") {
				scoped, err := os.ReadDir(filepath.Join(real, name))
				if err != nil {
					errs = append(errs, err)
					continue
				}
				for _, s := range scoped {
					pkgDirs = append(pkgDirs, filepath.Join(real, name, s.Name()))
				}
				continue
			}
			pkgDirs = append(pkgDirs, filepath.Join(real, name))
		}
		for _, pkgDir := range pkgDirs {
			realPkg, err := filepath.EvalSymlinks(pkgDir)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if seen[realPkg] {
				continue
			}
			seen[realPkg] = true
			info, err := readPackageJSON(filepath.Join(realPkg, "package.json"))
			if err != nil {
				if !errors.Is(err, fs.ErrNotExist) {
					errs = append(errs, err)
				}
				continue
			}
			visit(installedPackage{dir: realPkg, info: info})
			walk(filepath.Join(realPkg, "node_modules"))
		}
	}
	walk(filepath.Join(dir, "node_modules"))
	return errors.Join(errs...)
}

// pluginName is the resource plugin a package.json with {"pulumi": {"resource": true}} stands for.
func pluginName(p *packageJSON) (string, error) {
	if p.Pulumi.Name != "" {
		return p.Pulumi.Name, nil
	}
	if strings.HasPrefix(p.Name, "@pulumi/") {
		return strings.TrimPrefix(p.Name, "@pulumi/"), nil
	}
	if p.Name == "" {
		return "", errors.New(`missing "name" in package.json`)
	}
	return "", fmt.Errorf(`third-party package %q has no "name" in the "pulumi" section of its package.json`, p.Name)
}

func pluginVersion(p *packageJSON) (string, error) {
	v := p.Pulumi.Version
	if v == "" {
		v = p.Version
	}
	if v == "" {
		return "", errors.New(`missing "version" in package.json`)
	}
	if !strings.HasPrefix(v, "v") {
		v = "v" + v
	}
	return v, nil
}

// requiredPackages lists the resource plugins that the npm packages installed for a program declare.
func requiredPackages(programDir string) ([]*pulumirpc.PackageDependency, error) {
	var deps []*pulumirpc.PackageDependency
	var errs []error
	walkErr := walkNodeModules(programDir, func(p installedPackage) {
		if !p.info.Pulumi.Resource {
			return
		}
		name, err := pluginName(p.info)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", p.dir, err))
			return
		}
		version, err := pluginVersion(p.info)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", p.dir, err))
			return
		}
		dep := &pulumirpc.PackageDependency{
			Name: name, Kind: "resource", Version: version, Server: p.info.Pulumi.Server,
		}
		if param := p.info.Pulumi.Parameterization; param != nil {
			dep.Parameterization = &pulumirpc.PackageParameterization{
				Name: param.Name, Version: param.Version, Value: param.Value,
			}
		}
		deps = append(deps, dep)
	})
	sort.SliceStable(deps, func(i, j int) bool {
		if deps[i].Name != deps[j].Name {
			return deps[i].Name < deps[j].Name
		}
		return deps[i].Version < deps[j].Version
	})
	return deps, errors.Join(append(errs, walkErr)...)
}

func (h *host) GetRequiredPackages(
	_ context.Context, req *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	deps, err := requiredPackages(req.GetInfo().GetProgramDirectory())
	if err != nil {
		// As upstream: problems reading some package are logged, not fatal.
		logging.V(3).Infof("pulumi-language-nodejs: while looking for plugins: %v", err)
	}
	return &pulumirpc.GetRequiredPackagesResponse{Packages: deps}, nil
}

// GetRequiredPlugins is the older form of GetRequiredPackages, kept for older engines.
func (h *host) GetRequiredPlugins(
	_ context.Context, req *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	dir := req.GetInfo().GetProgramDirectory()
	if dir == "" {
		dir = req.GetPwd() //nolint:staticcheck // older engines
	}
	deps, err := requiredPackages(dir)
	if err != nil {
		logging.V(3).Infof("pulumi-language-nodejs: while looking for plugins: %v", err)
	}
	plugins := make([]*pulumirpc.PluginDependency, 0, len(deps))
	for _, d := range deps {
		if d.Parameterization != nil {
			continue // not expressible as a plain plugin
		}
		plugins = append(plugins, &pulumirpc.PluginDependency{
			Name: d.Name, Kind: d.Kind, Version: d.Version, Server: d.Server,
		})
	}
	return &pulumirpc.GetRequiredPluginsResponse{Plugins: plugins}, nil
}

// GetProgramDependencies reports the program's npm dependencies (for `pulumi about`): the ones its
// package.json names, or every installed package when transitive ones are asked for.
func (h *host) GetProgramDependencies(
	_ context.Context, req *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	dir := req.GetInfo().GetProgramDirectory()
	if dir == "" {
		dir = req.GetPwd() //nolint:staticcheck // older engines
	}
	var deps []*pulumirpc.DependencyInfo
	if req.GetTransitiveDependencies() {
		err := walkNodeModules(dir, func(p installedPackage) {
			deps = append(deps, &pulumirpc.DependencyInfo{Name: p.info.Name, Version: p.info.Version})
		})
		if err != nil {
			logging.V(3).Infof("pulumi-language-nodejs: while listing node_modules: %v", err)
		}
	} else {
		manifest, err := readPackageJSON(filepath.Join(dir, "package.json"))
		if err != nil {
			return nil, fmt.Errorf("failed to get node dependencies: %w", err)
		}
		names := map[string]string{}
		for n, v := range manifest.Dependencies {
			names[n] = v
		}
		for n, v := range manifest.DevDependencies {
			names[n] = v
		}
		for name, wanted := range names {
			version := wanted
			if installed, err := readPackageJSON(filepath.Join(dir, "node_modules", name, "package.json")); err == nil {
				version = installed.Version
			}
			deps = append(deps, &pulumirpc.DependencyInfo{Name: name, Version: version})
		}
	}
	sort.Slice(deps, func(i, j int) bool {
		if deps[i].Name != deps[j].Name {
			return deps[i].Name < deps[j].Name
		}
		return deps[i].Version < deps[j].Version
	})
	return &pulumirpc.GetProgramDependenciesResponse{Dependencies: deps}, nil
}
