"""Reads the deployment's plain files for check_compose.py: the Dockerfile (split into stages and
instructions, and judged against the image's contract) and the keys config/btrouter.conf
documents."""
import dataclasses
import json
import os
import re
from typing import Dict, List, Set, Tuple

# Packages that only building needs; the runtime stage installs none of them.
BUILD_ONLY_PACKAGES = {'build-essential', 'g++', 'gcc', 'make', 'cmake', 'ninja-build',
                       'pkg-config', 'git', 'nodejs', 'npm', 'python3', 'catch2', 'chromium'}
ROOT_USERS = {'root', '0'}


@dataclasses.dataclass(frozen=True)
class DeployFiles:
    dockerfile: str                      # text of the top-level Dockerfile ('' when missing)
    config_keys: Dict[str, Set[str]]     # section ('engines.native') -> its keys


@dataclasses.dataclass
class Stage:
    base: str                            # the FROM image
    name: str                            # the AS name, '' when unnamed
    instructions: List[Tuple[str, str]]  # (INSTRUCTION, arguments), in order

    def args(self, instruction: str) -> List[str]:
        return [a for i, a in self.instructions if i == instruction]


def load(source_dir: str) -> DeployFiles:
    dockerfile = os.path.join(source_dir, 'Dockerfile')
    text = open(dockerfile, encoding='utf-8').read() if os.path.isfile(dockerfile) else ''
    with open(os.path.join(source_dir, 'config', 'btrouter.conf'), encoding='utf-8') as conf:
        return DeployFiles(dockerfile=text, config_keys=config_keys(conf.read()))


def config_keys(text: str) -> Dict[str, Set[str]]:
    keys: Dict[str, Set[str]] = {}
    section = ''
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith('#'):
            continue
        if line.startswith('[') and line.endswith(']'):
            section = line[1:-1].strip()
            keys.setdefault(section, set())
        elif '=' in line:
            keys.setdefault(section, set()).add(line.split('=', 1)[0].strip())
    return keys


def config_key(variable: str) -> Tuple[str, str]:
    """('engines.qc_cloud', 'token') for BTR__ENGINES__QC_CLOUD__TOKEN."""
    parts = variable.lower().split('__')[1:]
    return '.'.join(parts[:-1]), parts[-1] if parts else ''


def stages(text: str) -> List[Stage]:
    """The Dockerfile's stages: continuation lines joined, comments dropped."""
    out: List[Stage] = []
    logical, pending = [], ''
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith('#') or (not line and not pending):
            continue
        if line.endswith('\\'):
            pending += line[:-1] + ' '
            continue
        logical.append(pending + line)
        pending = ''
    if pending:
        logical.append(pending)
    for line in logical:
        instruction, _, args = line.partition(' ')
        instruction, args = instruction.upper(), args.strip()
        if instruction == 'FROM':
            words = args.split()
            words = [w for w in words if not w.startswith('--')]  # --platform=...
            name = words[2] if len(words) >= 3 and words[1].lower() == 'as' else ''
            out.append(Stage(base=words[0] if words else '', name=name, instructions=[]))
        elif out:
            out[-1].instructions.append((instruction, args))
    return out


def exec_form(args: str) -> List[str]:
    """["btrouter", "serve"] -> ['btrouter', 'serve']; a shell form is split on spaces."""
    if args.startswith('['):
        try:
            return [str(a) for a in json.loads(args)]
        except ValueError:
            pass
    return args.split()


def image_env(text: str) -> List[str]:
    """Names of the variables the final stage's ENV instructions set."""
    all_stages = stages(text)
    names = []
    for args in (all_stages[-1].args('ENV') if all_stages else []):
        words = args.split()
        if len(words) >= 2 and '=' not in words[0]:  # legacy form: ENV NAME value
            names.append(words[0])
        else:
            names += [w.split('=', 1)[0] for w in words if '=' in w]
    return names


def apt_packages(stage: Stage) -> Set[str]:
    """Package names given to `apt-get install` in the stage's RUN instructions."""
    packages: Set[str] = set()
    for run in stage.args('RUN'):
        for command in re.split(r'&&|;|\|\|', run):
            words = command.split()
            if 'install' in words and any(w.endswith('apt-get') or w == 'apt' for w in words):
                after = words[words.index('install') + 1:]
                packages.update(w for w in after if not w.startswith('-'))
    return packages


def dockerfile_problems(text: str) -> List[str]:
    if not text:
        return ['there is no Dockerfile at the top of the tree']
    all_stages = stages(text)
    if len(all_stages) < 2:
        return ['the Dockerfile has one stage; the build belongs in a stage of its own']
    problems = build_stage_problems(all_stages[:-1])
    problems += runtime_stage_problems(all_stages[-1])
    return problems


def build_stage_problems(build_stages: List[Stage]) -> List[str]:
    problems = []
    cmake = [run for stage in build_stages for run in stage.args('RUN') if 'cmake' in run]
    flags = ('-DCMAKE_BUILD_TYPE=Release', '-DBTR_BUILD_TESTS=OFF', '-DBTR_BUILD_BENCHMARKS=OFF')
    if not any(all(flag in run for flag in flags) for run in cmake):
        problems.append(f'no build stage configures with {" ".join(flags)}')
    if not all(stage.base == 'debian:12' for stage in build_stages):
        problems.append('a build stage is not based on debian:12')
    for stage in build_stages:
        extra = apt_packages(stage) & {'chromium', 'catch2', 'prometheus', 'wrk', 'python3-pytest'}
        if extra:
            problems.append(f'build stage {stage.name or stage.base} installs test tools: {sorted(extra)}')
    return problems


def runtime_stage_problems(runtime: Stage) -> List[str]:
    problems = []
    if not runtime.base.startswith('debian:12-slim'):
        problems.append(f'the runtime stage is based on {runtime.base}, not debian:12-slim')
    users = runtime.args('USER')
    user = users[-1].split(':')[0] if users else 'root'
    if user in ROOT_USERS:
        problems.append('the runtime stage runs as root (no USER, or USER root/0)')
    installed = apt_packages(runtime)
    build_only = sorted(p for p in installed if p.endswith('-dev') or p in BUILD_ONLY_PACKAGES)
    if build_only:
        problems.append(f'the runtime stage installs build-only packages: {build_only}')
    if 'curl' not in installed:
        problems.append('the runtime stage has no curl for the health checks')
    entrypoint = [w for a in runtime.args('ENTRYPOINT') for w in exec_form(a)]
    if not entrypoint or os.path.basename(entrypoint[0]) != 'btrouter':
        problems.append(f'the ENTRYPOINT is {entrypoint}, not btrouter')
    if '8080' not in [p.split('/')[0] for a in runtime.args('EXPOSE') for p in a.split()]:
        problems.append('the runtime stage does not EXPOSE 8080')
    if '/data' not in [v for a in runtime.args('VOLUME') for v in exec_form(a)]:
        problems.append('the runtime stage declares no /data volume')
    copies = ' '.join(runtime.args('COPY'))
    for wanted in ('btrouter', 'web/dist', 'config/btrouter.conf'):
        if wanted not in copies:
            problems.append(f'the runtime stage does not copy {wanted}')
    return problems
