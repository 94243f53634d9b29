"""Preview of site/ on localhost (`make serve [PORT=8000]`): python -m scripts.site.serve
[--port 8000] [--dir site]."""

from __future__ import annotations

import argparse
import contextlib
import errno
import functools
import http.server
import sys
from pathlib import Path


def make_server(
    root: Path, port: int = 0, host: str = "127.0.0.1"
) -> http.server.ThreadingHTTPServer:
    handler = functools.partial(_Quiet, directory=str(root))
    return http.server.ThreadingHTTPServer((host, port), handler)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, ".js": "text/javascript",
                      ".json": "application/json", ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}  # fmt: skip

    def log_message(self, format, *args):  # noqa: A002
        pass

    def send_error(self, code, message=None, explain=None):
        """A missing address gets the site's own 404.html (Russian; under latest/ it goes on to
        the newest version's page), as a web server configured for the site would send it."""
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


def _port_problem(exc: OSError) -> str:
    if exc.errno == errno.EADDRINUSE:
        return "он уже занят другой программой или другим просмотром сайта"
    if exc.errno == errno.EACCES:
        return "нет прав открыть этот порт"
    return f"код ошибки {exc.errno}"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Просмотр сайта на этом компьютере")
    ap.add_argument("--port", type=int, default=8000)
    ap.add_argument("--dir", default="site")
    args = ap.parse_args(argv)
    root = Path(args.dir)
    if not (root / "index.html").exists():
        print(f"Сайт ещё не собран: нет {root / 'index.html'} (make site)", file=sys.stderr)
        return 1
    try:
        server = make_server(root, args.port)
    except OSError as exc:  # the port is taken (another preview, another program) or not allowed
        print(
            f"Ошибка: не удалось открыть порт {args.port} ({_port_problem(exc)}); "
            f"укажите другой: make serve PORT={args.port + 1}",
            file=sys.stderr,
        )
        return 1
    print(f"Сайт: http://127.0.0.1:{server.server_address[1]}/  (остановить: Ctrl+C)")
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
