# transient-trace Python guard. `transient-trace run` writes this file, preceded by the session's
# configuration (_TT_CONFIG), as sitecustomize.py in a directory it puts first on PYTHONPATH, so every
# Python process of the session loads it at start-up. It decides subprocess (Popen and everything built
# on it), os.system, os.exec* (every variant ends in os.execv/os.execve), os.spawn* (fork + os.execv*)
# and os.posix_spawn/os.posix_spawnp before they run, by asking the session's decision daemon over its
# Unix socket. A blocked program is replaced by one that prints the reason and exits 126, as a shim
# does. Mode and daemon address are fixed in this file: the environment is never consulted for them.

import os as _tt_os
import sys as _tt_sys


def _tt_install(cfg):
    # Cheap at start-up on purpose (every Python process of the session pays it): no json, no re, and
    # subprocess is patched when something imports it, not imported here.
    import _thread

    os = _tt_os
    mode = cfg["mode"]
    local = _thread._local()
    blocker_script = 'printf "%s\\n" "$1" >&2; exit 126'
    shells = ("sh", "bash", "dash", "zsh", "ksh", "ash")
    orig = {
        "execv": os.execv,
        "execve": os.execve,
        "system": os.system,
        "posix_spawn": getattr(os, "posix_spawn", None),
        "posix_spawnp": getattr(os, "posix_spawnp", None),
    }

    def busy():
        return getattr(local, "busy", False)

    def fsdecode(v):
        return os.fsdecode(v) if isinstance(v, (bytes, os.PathLike)) else str(v)

    def session_env(env):
        # Children keep the session, even when spawned with a trimmed env.
        out = dict(env if env is not None else os.environ)
        enc = isinstance(next(iter(out), ""), bytes)
        if enc:
            out = {os.fsdecode(k): os.fsdecode(v) for k, v in out.items()}
        path = out.get("PATH", "/usr/local/bin:/usr/bin:/bin")
        if path.split(":")[0] != cfg["binDir"]:
            out["PATH"] = cfg["binDir"] + ":" + path
        req = cfg["requireOption"]
        node_options = out.get("NODE_OPTIONS", "")
        if req not in node_options:
            out["NODE_OPTIONS"] = (req + " " + node_options) if node_options else req
        py = out.get("PYTHONPATH", "")
        if py.split(":")[0] != cfg["pythonDir"]:
            out["PYTHONPATH"] = (cfg["pythonDir"] + ":" + py) if py else cfg["pythonDir"]
        out["TRANSIENT_TRACE_SESSION"] = cfg["session"]
        if enc:
            out = {os.fsencode(k): os.fsencode(v) for k, v in out.items()}
        return out

    def resolve(file, cwd, path_env):
        def check(p):
            if os.path.isfile(p) and os.access(p, os.X_OK):
                # Only this session's own shims are trusted to decide for themselves.
                return p, os.path.dirname(p) == cfg["binDir"]
            return None

        if "/" in file:
            return check(os.path.normpath(os.path.join(cwd, file)))
        for d in (path_env or "").split(":"):
            hit = check(os.path.normpath(os.path.join(cwd, d or ".", file)))
            if hit:
                return hit
        return None

    def shell_string(program, args):
        if os.path.basename(program) not in shells:
            return None
        saw_c = False
        i = 0
        while i < len(args):
            a = args[i]
            if a in ("-o", "+o"):
                i += 2
                continue
            if a == "--":
                return args[i + 1] if saw_c and i + 1 < len(args) else None
            if a.startswith("-") and a != "-":
                if "c" in a[1:] and a[1:].isalpha():
                    saw_c = True
                i += 1
                continue
            return a if saw_c else None
        return None

    def ask(kind, cwd, fields):
        import socket

        parts = ["TT1", cfg["token"], "python", kind, cwd, str(len(fields))] + list(fields)
        payload = ("\0".join(p.replace("\0", "") for p in parts) + "\0").encode("utf-8", "surrogateescape")
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(cfg["timeoutMs"] / 1000.0)
        try:
            s.connect(cfg["socket"])
            s.sendall(payload)
            chunks = []
            while True:
                d = s.recv(65536)
                if not d:
                    break
                chunks.append(d)
        except OSError:
            return None
        finally:
            s.close()
        lines = b"".join(chunks).decode("utf-8", "replace").split("\n")
        if len(lines) < 3 or lines[0] not in ("allow", "block", "error"):
            return None
        return lines[0], lines[1]

    def fallback(kind, cwd, fields):
        # The daemon is gone: decide in a cold process from the session file (slow, but decided and sealed).
        argv = [cfg["node"], cfg["cli"], "hook", "exec", "--session", cfg["session"], "--channel", "python", "--cwd", cwd]
        if kind == "exec":
            argv += ["--"] + list(fields)
        elif kind == "shell":
            argv += ["--shell", fields[0]]
        else:
            argv += ["--action", fields[0]]
        env = dict(os.environ)
        env["NODE_OPTIONS"] = ""
        import subprocess

        local.busy = True
        try:
            r = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=30)
        except Exception:
            return None
        finally:
            local.busy = False
        if r.returncode == 0:
            return "allow", ""
        if r.returncode == 126:
            text = r.stderr.decode("utf-8", "replace").strip().split("\n")
            return "block", text[-1] if text else "transient-trace: blocked"
        return None

    def decide(kind, cwd, fields, what):
        try:
            answer = ask(kind, cwd, fields)
            if answer is None or answer[0] == "error":
                answer = fallback(kind, cwd, fields)
        except Exception:
            answer = None
        if answer is not None and answer[0] == "allow":
            return None
        if answer is not None and answer[0] == "block":
            return answer[1]
        if mode == "audit":
            if not getattr(local, "warned", False):
                local.warned = True
                _tt_sys.stderr.write(
                    "transient-trace: warning: the decision daemon is unreachable; audit mode lets commands run without receipts\n"
                )
            return None
        return (
            'transient-trace: blocked "%s": no decision could be made (decision daemon and fallback unavailable) and %s mode fails closed'
            % (what[:120], mode)
        )

    def decide_program(program, argv, cwd, env):
        """None to go ahead, else the message of a block. Shims decide for themselves."""
        cwd = fsdecode(cwd) if cwd is not None else os.getcwd()
        env = env if env is not None else os.environ
        path_env = env.get("PATH") if not isinstance(next(iter(env), ""), bytes) else os.fsdecode(env.get(b"PATH", b""))
        program = fsdecode(program)
        argv = [fsdecode(a) for a in argv]
        hit = resolve(program, cwd, path_env)
        if hit and hit[1]:
            return None
        binary = hit[0] if hit else program
        inner = shell_string(binary, argv[1:])
        if inner is not None:
            skip = [] if "PATH=" in inner else shimmed_names(inner, cwd, path_env)
            return decide("shell", cwd, [inner] + skip, inner)
        return decide("exec", cwd, [binary] + argv[1:], " ".join([os.path.basename(binary)] + argv[1:]))

    def shimmed_names(command, cwd, path_env):
        # Simple words in first position that resolve into a shim directory: the shim decides those.
        names = set()
        for seg in command.replace("&&", ";").replace("||", ";").replace("|", ";").replace("\n", ";").split(";"):
            words = seg.split()
            while words and "=" in words[0] and not words[0].startswith("="):
                words = words[1:]
            if words and "/" not in words[0] and all(c.isalnum() or c in "._-+" for c in words[0]):
                hit = resolve(words[0], cwd, path_env)
                if hit and hit[1]:
                    names.add(words[0])
        return sorted(names)

    def blocker(message):
        return ["/bin/sh", "-c", blocker_script, "transient-trace", message]

    def failed(err):
        return "transient-trace: blocked: the guard failed (%s) and %s mode fails closed" % (err, mode)

    # ---- subprocess.Popen (run, call, check_output, … are built on it) --------------------------------
    names = ["args", "bufsize", "executable", "stdin", "stdout", "stderr", "preexec_fn", "close_fds", "shell", "cwd", "env"]

    def popen_init(self, *a, **kw):
        if busy():
            return orig["popen_init"](self, *a, **kw)
        pos = list(a)

        def get(name, default=None):
            i = names.index(name)
            return pos[i] if i < len(pos) else kw.get(name, default)

        def put(name, value):
            i = names.index(name)
            if i < len(pos):
                pos[i] = value
            else:
                kw[name] = value

        try:
            args = get("args")
            shell = get("shell", False)
            executable = get("executable")
            if isinstance(args, (str, bytes, os.PathLike)):
                argv = [fsdecode(args)]
            else:
                argv = [fsdecode(x) for x in args]
            if shell:
                sh = fsdecode(executable) if executable else "/bin/sh"
                program, argv = sh, [sh, "-c"] + argv[:1] + argv[1:]
            else:
                program = fsdecode(executable) if executable else argv[0]
            message = decide_program(program, argv, get("cwd"), get("env"))
            put("env", session_env(get("env")))
        except Exception as err:
            message = None if mode == "audit" else failed(err)
        if message is not None:
            put("args", blocker(message))
            put("shell", False)
            put("executable", None)
        local.busy = True
        try:
            return orig["popen_init"](self, *pos, **kw)
        finally:
            local.busy = False

    def patch_subprocess(subprocess):
        if getattr(subprocess.Popen.__init__, "_tt_guard", False):
            return
        orig["popen_init"] = subprocess.Popen.__init__
        popen_init._tt_guard = True
        subprocess.Popen.__init__ = popen_init

    class SubprocessFinder:
        """Patches subprocess as it is imported (importing it here would cost every process ~5 ms)."""

        def find_spec(self, name, path=None, target=None):
            if name != "subprocess":
                return None
            for finder in _tt_sys.meta_path:
                if finder is self or not hasattr(finder, "find_spec"):
                    continue
                spec = finder.find_spec(name, path, target)
                if spec is None:
                    continue
                loader = spec.loader
                exec_module = getattr(loader, "exec_module", None)
                if exec_module is None:
                    return spec

                def exec_and_patch(module, _exec=exec_module):
                    _exec(module)
                    patch_subprocess(module)

                loader.exec_module = exec_and_patch
                return spec
            return None

    if "subprocess" in _tt_sys.modules:
        patch_subprocess(_tt_sys.modules["subprocess"])
    else:
        _tt_sys.meta_path.insert(0, SubprocessFinder())

    # ---- os.system ------------------------------------------------------------------------------------
    def system(command):
        if busy():
            return orig["system"](command)
        try:
            cmd = fsdecode(command)
            message = decide_program("/bin/sh", ["/bin/sh", "-c", cmd], None, None)
        except Exception as err:
            message = None if mode == "audit" else failed(err)
        if message is not None:
            _tt_sys.stderr.write(message + "\n")
            _tt_sys.stderr.flush()
            return 126 << 8
        return orig["system"](command)

    os.system = system

    # ---- os.exec* (execl, execle, execlp, execvp, … all call os.execv / os.execve) --------------------
    def guarded_exec(name):
        def run(path, args, *rest):
            if busy():
                return orig[name](path, args, *rest)
            p = fsdecode(path)
            # execvp tries each PATH entry in turn: only a real program is decided.
            if not (os.path.isfile(p) and os.access(p, os.X_OK)):
                return orig[name](path, args, *rest)
            env = rest[0] if rest else None
            try:
                message = decide_program(p, list(args), None, env)
            except Exception as err:
                message = None if mode == "audit" else failed(err)
            if message is not None:
                b = blocker(message)
                return orig["execv"](b[0], b)
            if name == "execve":
                return orig["execve"](path, args, session_env(env))
            return orig["execve"](path, args, session_env(None))

        return run

    os.execv = guarded_exec("execv")
    os.execve = guarded_exec("execve")

    # ---- os.posix_spawn / os.posix_spawnp -------------------------------------------------------------
    def guarded_spawn(name):
        def run(path, argv, env, *rest, **kw):
            if busy():
                return orig[name](path, argv, env, *rest, **kw)
            try:
                message = decide_program(fsdecode(path), list(argv), None, env)
            except Exception as err:
                message = None if mode == "audit" else failed(err)
            if message is not None:
                b = blocker(message)
                return orig["posix_spawn"](b[0], b, session_env(env), *rest, **kw)
            return orig[name](path, argv, session_env(env), *rest, **kw)

        return run

    if orig["posix_spawn"] is not None:
        os.posix_spawn = guarded_spawn("posix_spawn")
    if orig["posix_spawnp"] is not None:
        os.posix_spawnp = guarded_spawn("posix_spawnp")


def _tt_chain():
    # A sitecustomize of the user's own further down sys.path would be hidden by this one: run it too.
    here = _tt_os.path.dirname(_tt_os.path.abspath(__file__))
    for d in _tt_sys.path:
        if not d or _tt_os.path.abspath(d) == here:
            continue
        f = _tt_os.path.join(d, "sitecustomize.py")
        if _tt_os.path.isfile(f):
            import importlib.util

            spec = importlib.util.spec_from_file_location("_tt_next_sitecustomize", f)
            if spec and spec.loader:
                spec.loader.exec_module(importlib.util.module_from_spec(spec))
            return


try:
    _tt_install(_TT_CONFIG)  # noqa: F821 (defined by the header transient-trace run writes)
except Exception as _tt_err:
    if _TT_CONFIG.get("mode") != "audit":  # noqa: F821
        _tt_sys.stderr.write(
            "transient-trace: the Python guard could not be installed (%s) and %s mode fails closed\n"
            % (_tt_err, _TT_CONFIG.get("mode"))  # noqa: F821
        )
        _tt_os._exit(126)
    _tt_sys.stderr.write("transient-trace: warning: the Python guard could not be installed (%s)\n" % (_tt_err,))

try:
    _tt_chain()
except Exception as _tt_err:
    _tt_sys.stderr.write("transient-trace: warning: another sitecustomize failed: %s\n" % (_tt_err,))
