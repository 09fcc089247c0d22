#!/usr/bin/env python3
"""Holds docker-compose.yml and the Dockerfile to the distributed mode's deployment contract.

  check_compose.py [SOURCE_DIR]        (CTest runs it as deploy_compose_tests)

docker-compose (Debian's python docker-compose 1.29; scripts/setup installs it) parses and
normalizes docker-compose.yml (`docker-compose config`: anchors merged, variables substituted,
short forms expanded); the checks below read that normalized form, so they judge what Compose
itself understands, not the text. Checked: every service has a health check; api and worker wait
for healthy postgres, redis and backtestingpy; only the api publishes a port; workers can be
scaled (no container_name, no host port); the store and queue URLs name the postgres and redis
services with the postgres service's credentials; each health check probes the port its service
listens on; redis persists and never evicts; every BTR__ variable names a key of
config/btrouter.conf; the Dockerfile builds without tests and its runtime stage is a slim image
without build tools that runs as an unprivileged user. Each check is then run on a copy with one
defect put in, and must catch it.

The file is parsed twice: with no variables set (the defaults) and with the documented knobs set
(BTR_POSTGRES_PASSWORD, BTR_API_PORT), which must reach the URLs and the published port.

Nothing is built or started: no Docker engine is needed. When docker-compose (or the yaml module
its python uses) is missing, the check fails with a message when CI=true and is skipped
otherwise (exit 77). Env: BTR_DOCKER_COMPOSE, the docker-compose command (default docker-compose).
"""
import copy
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
from typing import Callable, Dict, List, Optional, Tuple
from urllib.parse import urlsplit

import deploy_files

SKIPPED = 77
SERVICES = ('api', 'worker', 'postgres', 'redis', 'backtestingpy')
BTROUTER_SERVICES = ('api', 'worker')
DEPENDENCIES = ('postgres', 'redis', 'backtestingpy')
# Sections of the distributed mode that config/btrouter.conf may not document yet; a variable of
# one of them is reported, not failed. Any other undocumented section fails.
PENDING_SECTIONS = ('store', 'queue', 'worker')
KNOBS = {'BTR_POSTGRES_PASSWORD': 'Knob5Passw0rd', 'BTR_API_PORT': '18080'}

Config = dict
Problems = List[str]


def unusable(message: str) -> None:
    if os.environ.get('CI') == 'true':
        print(f'check_compose: FAILED: {message} (required when CI=true)', file=sys.stderr)
        sys.exit(1)
    print(f'check_compose: SKIPPED: {message}', file=sys.stderr)
    sys.exit(SKIPPED)


def normalized_config(compose: str, source_dir: str, knobs: Dict[str, str]) -> Config:
    """`docker-compose config` of SOURCE_DIR/docker-compose.yml with only `knobs` set: the
    caller's BTR_* and COMPOSE_* variables and any .env file are left out."""
    import yaml  # docker-compose's own dependency (python3-yaml)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(('BTR_', 'COMPOSE_', 'DOCKER_'))}
    env.update(knobs)
    with tempfile.NamedTemporaryFile('w', suffix='.env') as empty_env:
        run = subprocess.run(
            [compose, '--env-file', empty_env.name, '-f',
             os.path.join(source_dir, 'docker-compose.yml'), 'config'],
            cwd=source_dir, env=env, capture_output=True, text=True, timeout=120)
    if run.returncode != 0:
        raise SystemExit(f'check_compose: docker-compose config failed:\n{run.stderr}')
    return yaml.safe_load(run.stdout)


# ---- helpers over the normalized form ----------------------------------------------------------

def service(config: Config, name: str) -> dict:
    return config.get('services', {}).get(name, {})


def environment(config: Config, name: str) -> Dict[str, str]:
    env = service(config, name).get('environment') or {}
    if isinstance(env, list):  # KEY=VALUE entries
        env = dict(item.split('=', 1) for item in env)
    return {k: str(v) for k, v in env.items()}


def command_of(config: Config, name: str) -> List[str]:
    command = service(config, name).get('command') or []
    return command.split() if isinstance(command, str) else [str(c) for c in command]


def option_value(args: List[str], option: str) -> Optional[str]:
    for i, arg in enumerate(args[:-1]):
        if arg == option:
            return args[i + 1]
    return None


def probe_url(config: Config, name: str) -> Optional[str]:
    test = service(config, name).get('healthcheck', {}).get('test') or []
    text = test if isinstance(test, str) else ' '.join(str(t) for t in test)
    match = re.search(r'https?://[^\s\'"]+', text)
    return match.group(0) if match else None


def host_port(text: Optional[str]) -> Tuple[str, int]:
    """('0.0.0.0', 8080) for '0.0.0.0:8080'; ('', 0) when malformed or missing."""
    host, _, port = (text or '').rpartition(':')
    return (host, int(port)) if port.isdigit() else ('', 0)


def published_ports(config: Config, name: str) -> List[Tuple[str, str]]:
    """(published, target) of each port of a service; published is '' when not published."""
    out = []
    for port in service(config, name).get('ports') or []:
        if isinstance(port, dict):
            out.append((str(port.get('published') or ''), str(port.get('target'))))
        else:  # short form HOST:CONTAINER or CONTAINER
            parts = str(port).split(':')
            out.append((parts[-2] if len(parts) > 1 else '', parts[-1].split('/')[0]))
    return out


# ---- checks: each returns the problems found ---------------------------------------------------

def check_services(config: Config, files: deploy_files.DeployFiles) -> Problems:
    missing = [name for name in SERVICES if name not in config.get('services', {})]
    return [f'no service {name}' for name in missing]


def check_healthchecks(config: Config, files: deploy_files.DeployFiles) -> Problems:
    problems = []
    for name, spec in config.get('services', {}).items():
        health = spec.get('healthcheck')
        test = (health or {}).get('test')
        if not health or health.get('disable') or not test or test == ['NONE']:
            problems.append(f'{name} has no health check')
    return problems


def check_dependencies(config: Config, files: deploy_files.DeployFiles) -> Problems:
    problems = []
    for name in BTROUTER_SERVICES:
        depends = service(config, name).get('depends_on') or {}
        for needed in DEPENDENCIES:
            condition = depends.get(needed, {}).get('condition') if isinstance(depends, dict) else None
            if condition != 'service_healthy':
                problems.append(f'{name} does not wait for {needed} to be healthy '
                                f'(condition {condition})')
    return problems


def check_ports(config: Config, files: deploy_files.DeployFiles) -> Problems:
    problems = []
    for name in config.get('services', {}):
        ports = published_ports(config, name)
        if name != 'api' and ports:
            problems.append(f'{name} publishes {ports}: only the api may')
    if [target for _, target in published_ports(config, 'api')] != ['8080']:
        problems.append(f'api publishes {published_ports(config, "api")}, expected port 8080')
    return problems


def check_worker_scalable(config: Config, files: deploy_files.DeployFiles) -> Problems:
    worker = service(config, 'worker')
    problems = [f'worker sets {key}: two replicas would clash'
                for key in ('container_name', 'hostname', 'ports') if worker.get(key)]
    deploy = worker.get('deploy') or {}
    if deploy.get('replicas') not in (None, 1) or deploy.get('mode') == 'global':
        problems.append('worker fixes its replica count; `--scale worker=N` sets it')
    return problems


def check_store_and_queue(config: Config, files: deploy_files.DeployFiles) -> Problems:
    problems = []
    pg = environment(config, 'postgres')
    for name in BTROUTER_SERVICES:
        env = environment(config, name)
        if env.get('BTR__STORE__KIND') != 'postgres':
            problems.append(f'{name}: BTR__STORE__KIND is {env.get("BTR__STORE__KIND")}, not postgres')
        if env.get('BTR__QUEUE__KIND') != 'redis':
            problems.append(f'{name}: BTR__QUEUE__KIND is {env.get("BTR__QUEUE__KIND")}, not redis')
        store = urlsplit(env.get('BTR__STORE__URL', ''))
        if store.scheme not in ('postgresql', 'postgres') or store.hostname != 'postgres':
            problems.append(f'{name}: BTR__STORE__URL does not name the postgres service')
        expected = (pg.get('POSTGRES_USER'), pg.get('POSTGRES_PASSWORD'),
                    '/' + pg.get('POSTGRES_DB', ''), 5432)
        if (store.username, store.password, store.path, store.port or 5432) != expected:
            problems.append(f'{name}: BTR__STORE__URL user, password, database or port differ '
                            'from the postgres service')
        queue = urlsplit(env.get('BTR__QUEUE__URL', ''))
        if queue.scheme != 'redis' or queue.hostname != 'redis' or (queue.port or 6379) != 6379:
            problems.append(f'{name}: BTR__QUEUE__URL does not name the redis service')
    return problems


def check_probes(config: Config, files: deploy_files.DeployFiles) -> Problems:
    """Each health check asks the port its process listens on, which listens on every
    interface (other containers and the published port reach it)."""
    problems = []
    listens = {
        'api': ('BTR__SERVER__LISTEN', environment(config, 'api').get('BTR__SERVER__LISTEN'), '/livez'),
        'worker': ('BTR__WORKER__LISTEN', environment(config, 'worker').get('BTR__WORKER__LISTEN'),
                   '/livez'),
        'backtestingpy': ('--listen', option_value(command_of(config, 'backtestingpy'), '--listen'),
                          '/health'),
    }
    for name, (setting, listen, path) in listens.items():
        host, port = host_port(listen)
        probe = urlsplit(probe_url(config, name) or '')
        if host not in ('0.0.0.0', '[::]', '::'):
            problems.append(f'{name}: {setting} is {listen}, not on every interface')
        if probe.port != port or probe.path != path:
            problems.append(f'{name}: the health check asks {probe.geturl()}, but {setting} is {listen}')
    engine_port = host_port(listens['backtestingpy'][1])[1]
    for name in BTROUTER_SERVICES:
        url = urlsplit(environment(config, name).get('BTR__ENGINES__BACKTESTINGPY__URL', ''))
        if url.hostname != 'backtestingpy' or url.port != engine_port:
            problems.append(f'{name}: BTR__ENGINES__BACKTESTINGPY__URL is not backtestingpy:{engine_port}')
    return problems


def check_servers(config: Config, files: deploy_files.DeployFiles) -> Problems:
    problems = []
    redis_args = command_of(config, 'redis')
    if option_value(redis_args, '--appendonly') != 'yes':
        problems.append('redis runs without --appendonly yes')
    if option_value(redis_args, '--maxmemory-policy') != 'noeviction':
        problems.append('redis may evict keys (--maxmemory-policy is not noeviction)')
    if not str(service(config, 'postgres').get('image', '')).startswith('postgres:15'):
        problems.append('postgres is not postgres:15')
    named = set(config.get('volumes') or {})
    for name, target in (('postgres', '/var/lib/postgresql/data'), ('redis', '/data')):
        sources = [mount_source(v) for v in service(config, name).get('volumes') or []
                   if mount_target(v) == target]
        if not sources or sources[0] not in named:
            problems.append(f'{name} keeps {target} outside a named volume')
    for name in ('api', 'worker', 'backtestingpy'):
        build = service(config, name).get('build') or {}
        context = build.get('context') if isinstance(build, dict) else build
        dockerfile = build.get('dockerfile', 'Dockerfile') if isinstance(build, dict) else 'Dockerfile'
        if not context or not os.path.isfile(os.path.join(context, dockerfile)):
            problems.append(f'{name} is not built from a Dockerfile in the tree')
    return problems


def mount_source(volume) -> str:
    return volume.get('source', '') if isinstance(volume, dict) else str(volume).split(':')[0]


def mount_target(volume) -> str:
    return volume.get('target', '') if isinstance(volume, dict) else str(volume).split(':')[1]


def check_env_keys(config: Config, files: deploy_files.DeployFiles) -> Problems:
    """Every BTR__ variable of api, worker and the Dockerfile's ENV names a documented key
    (btrouter refuses to start on one that does not)."""
    variables = [(name, variable) for name in BTROUTER_SERVICES
                 for variable in environment(config, name)]
    variables += [('Dockerfile', variable) for variable in deploy_files.image_env(files.dockerfile)]
    problems = []
    for where, variable in variables:
        if not variable.startswith('BTR__'):
            continue
        section, key = deploy_files.config_key(variable)
        if section in files.config_keys:
            if key not in files.config_keys[section]:
                problems.append(f'{where}: {variable} names no key of [{section}]')
        elif section not in PENDING_SECTIONS:
            problems.append(f'{where}: {variable} names no section of config/btrouter.conf')
    return problems


def undocumented_sections(config: Config, files: deploy_files.DeployFiles) -> List[str]:
    sections = {deploy_files.config_key(variable)[0]
                for name in BTROUTER_SERVICES for variable in environment(config, name)
                if variable.startswith('BTR__')}
    return sorted(s for s in sections if s not in files.config_keys)


def check_dockerfile(config: Config, files: deploy_files.DeployFiles) -> Problems:
    return deploy_files.dockerfile_problems(files.dockerfile)


CHECKS: List[Tuple[str, Callable[[Config, deploy_files.DeployFiles], Problems]]] = [
    ('the five services are there', check_services),
    ('every service has a health check', check_healthchecks),
    ('api and worker wait for healthy postgres, redis and backtestingpy', check_dependencies),
    ('only the api publishes a port (8080)', check_ports),
    ('workers scale (no container_name, hostname or host port)', check_worker_scalable),
    ('api and worker use the postgres and redis services', check_store_and_queue),
    ('health checks probe the ports the services listen on', check_probes),
    ('redis persists and never evicts; postgres 15; named volumes; Dockerfiles', check_servers),
    ('BTR__ variables name documented configuration keys', check_env_keys),
    ('Dockerfile: Release without tests, slim non-root runtime', check_dockerfile),
]


# ---- defects each check must catch -------------------------------------------------------------

def set_env(name: str, variable: str, value: str) -> Callable[[Config], None]:
    return lambda c: service(c, name)['environment'].update({variable: value})


def set_key(name: str, key: str, value) -> Callable[[Config], None]:
    return lambda c: service(c, name).update({key: value})


def edit_dockerfile(pattern: str, replacement: str) -> Callable[[str], str]:
    return lambda text: re.sub(pattern, replacement, text, flags=re.MULTILINE)


# (what is wrong, how the normalized compose file is changed, how the Dockerfile is changed,
#  the check that must report it)
DEFECTS = [
    ('a worker without health check', lambda c: service(c, 'worker').pop('healthcheck'), None,
     check_healthchecks),
    ('a disabled redis health check', lambda c: service(c, 'redis')['healthcheck'].update(disable=True),
     None, check_healthchecks),
    ('api waiting for postgres to start only',
     lambda c: service(c, 'api')['depends_on']['postgres'].update(condition='service_started'),
     None, check_dependencies),
    ('a worker not waiting for redis', lambda c: service(c, 'worker')['depends_on'].pop('redis'),
     None, check_dependencies),
    ('a worker with a host port', set_key('worker', 'ports', [{'published': 9090, 'target': 9090}]),
     None, check_ports),
    ('a worker with a container_name', set_key('worker', 'container_name', 'btrouter-worker'), None,
     check_worker_scalable),
    ('the store on localhost', set_env('worker', 'BTR__STORE__URL',
                                       'postgresql://btrouter:btrouter@localhost:5432/btrouter'),
     None, check_store_and_queue),
    ('a store password other than the postgres service\'s',
     lambda c: service(c, 'postgres')['environment'].update(POSTGRES_PASSWORD='other'), None,
     check_store_and_queue),
    ('the in-process queue', set_env('api', 'BTR__QUEUE__KIND', 'local'), None, check_store_and_queue),
    ('the api probed on another port',
     set_key('api', 'healthcheck', {'test': ['CMD', 'curl', '-fsS', 'http://localhost:8081/livez']}),
     None, check_probes),
    ('a worker listening on loopback only', set_env('worker', 'BTR__WORKER__LISTEN', '127.0.0.1:9090'),
     None, check_probes),
    ('redis evicting keys', set_key('redis', 'command', ['redis-server', '--appendonly', 'yes',
                                                         '--maxmemory-policy', 'allkeys-lru']),
     None, check_servers),
    ('postgres data inside the container', set_key('postgres', 'volumes', []), None, check_servers),
    ('a misspelt configuration key', set_env('api', 'BTR__SERVER__LISTN', '0.0.0.0:8080'), None,
     check_env_keys),
    ('a misspelt key in the image', None,
     edit_dockerfile(r'BTR__SERVER__DATA_DIR=', 'BTR__SERVER__DATADIR='), check_env_keys),
    ('a runtime stage without USER', None, edit_dockerfile(r'^USER .*$', ''), check_dockerfile),
    ('a runtime stage with USER 0', None, edit_dockerfile(r'^USER .*$', 'USER 0'), check_dockerfile),
    ('a runtime stage with a compiler', None,
     lambda text: text + '\nRUN apt-get update && apt-get install -y g++\n', check_dockerfile),
    ('tests built into the image', None, edit_dockerfile('-DBTR_BUILD_TESTS=OFF', '-DBTR_BUILD_TESTS=ON'),
     check_dockerfile),
]


# ---- running -----------------------------------------------------------------------------------

def knob_problems(config: Config) -> Problems:
    """With BTR_POSTGRES_PASSWORD and BTR_API_PORT set, they reach the URLs and the port."""
    problems = []
    for name in BTROUTER_SERVICES:
        url = urlsplit(environment(config, name).get('BTR__STORE__URL', ''))
        if url.password != KNOBS['BTR_POSTGRES_PASSWORD']:
            problems.append(f'{name}: BTR_POSTGRES_PASSWORD does not reach BTR__STORE__URL')
    if published_ports(config, 'api') != [(KNOBS['BTR_API_PORT'], '8080')]:
        problems.append(f'BTR_API_PORT does not set the published port: {published_ports(config, "api")}')
    return problems


def report(label: str, problems: Problems) -> bool:
    print(f'{"ok  " if not problems else "FAIL"} {label}')
    for problem in problems:
        print(f'       {problem}')
    return not problems


def main(argv: List[str]) -> int:
    source_dir = os.path.abspath(argv[1] if len(argv) > 1 else
                                 os.path.join(os.path.dirname(__file__), '..', '..'))
    compose = os.environ.get('BTR_DOCKER_COMPOSE', 'docker-compose')
    if not shutil.which(compose):
        unusable(f'{compose} is not installed (scripts/setup installs Debian\'s docker-compose)')
    if importlib.util.find_spec('yaml') is None:
        unusable(f'the yaml module is missing from {sys.executable} (Debian: python3-yaml)')
    files = deploy_files.load(source_dir)
    defaults = normalized_config(compose, source_dir, {})
    with_knobs = normalized_config(compose, source_dir, KNOBS)

    results = []
    for label, check in CHECKS:
        results.append(report(label, check(defaults, files)))
    for section in undocumented_sections(defaults, files):
        print(f'       note: [{section}] is not documented in config/btrouter.conf yet')
    knob_checks = [problem for _, check in CHECKS for problem in check(with_knobs, files)]
    results.append(report('with BTR_POSTGRES_PASSWORD and BTR_API_PORT set: every check passes, '
                          'and they reach the URLs and the port',
                          knob_checks + knob_problems(with_knobs)))
    for label, change_config, change_dockerfile, check in DEFECTS:
        config = copy.deepcopy(defaults)
        if change_config:
            change_config(config)
        broken = files
        if change_dockerfile:
            broken = deploy_files.DeployFiles(change_dockerfile(files.dockerfile), files.config_keys)
        caught = check(config, broken)
        results.append(report(f'{check.__name__} catches {label}',
                              [] if caught else ['not reported']))
    failed = results.count(False)
    print(f'check_compose: {len(results) - failed} passed, {failed} failed')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
