#!/usr/bin/python3.11
"""page_check.py — drive heapreel's stepping page in headless Chromium.

Usage: page_check.py CHROMIUM PAGE.html SCREENSHOT.png [--text TEXT]...
                     [--window WxH] [--min-scale S]

Starts Chromium with the DevTools protocol on a local port, loads the page
from disk, presses the right arrow through Input.dispatchKeyEvent (a real key
event, as a person's), checks that the point, the highlighted source line and
the diagram changed, then presses Left, End and Home, and saves a screenshot.
Also checks that no script ran that the page did not bring: no dialog
opened, the document holds exactly the page's two <script> elements, the
diagram holds no script or event handler, nothing was fetched, and each
--text appears literally in the page's visible text. With --min-scale, no
diagram of the page is drawn smaller than S times its own size when
fitted, nor above 1.5 (the window is --window, default 1280x800). Python
stdlib only.
Prints FAIL lines and exits 1 when a check fails.
"""
import base64, json, os, shutil, socket, struct, subprocess, sys, tempfile, time, urllib.request

failures = []


def fail(msg):
    failures.append(msg)
    print('FAIL:', msg, file=sys.stderr)


class DevTools:
    """A minimal WebSocket client (RFC 6455: masked text frames out) for CDP."""

    def __init__(self, url):
        assert url.startswith('ws://')
        hostport, path = url[5:].split('/', 1)
        host, port = hostport.split(':')
        self.sock = socket.create_connection((host, int(port)), timeout=30)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f'GET /{path} HTTP/1.1\r\nHost: {hostport}\r\nUpgrade: websocket\r\n'
                           f'Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n'
                           'Sec-WebSocket-Version: 13\r\n\r\n').encode())
        head = b''
        while b'\r\n\r\n' not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise OSError('devtools closed the connection during the handshake')
            head += chunk
        if b' 101 ' not in head.split(b'\r\n', 1)[0]:
            raise OSError('devtools refused the websocket: ' + head.split(b'\r\n', 1)[0].decode())
        self.buf = head.split(b'\r\n\r\n', 1)[1]
        self.next_id = 0
        self.events = []

    def _read(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise OSError('devtools closed the connection')
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def _frame(self):
        b0, b1 = self._read(2)
        n = b1 & 0x7f
        if n == 126:
            n = struct.unpack('>H', self._read(2))[0]
        elif n == 127:
            n = struct.unpack('>Q', self._read(8))[0]
        mask = self._read(4) if b1 & 0x80 else None
        data = self._read(n)
        if mask:
            data = bytes(c ^ mask[i % 4] for i, c in enumerate(data))
        return b0 & 0x80, b0 & 0x0f, data

    def _message(self):
        parts = []
        while True:
            fin, op, data = self._frame()
            if op == 8:
                raise OSError('devtools closed the websocket')
            if op in (9, 10):       # ping, pong: not used by Chromium here
                continue
            parts.append(data)
            if fin:
                return json.loads(b''.join(parts))

    def _post(self, method, params):
        self.next_id += 1
        payload = json.dumps({'id': self.next_id, 'method': method, 'params': params}).encode()
        head = bytes([0x81])
        n = len(payload)
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 65536:
            head += bytes([0x80 | 126]) + struct.pack('>H', n)
        else:
            head += bytes([0x80 | 127]) + struct.pack('>Q', n)
        mask = os.urandom(4)
        self.sock.sendall(head + mask + bytes(c ^ mask[i % 4] for i, c in enumerate(payload)))
        return self.next_id

    def send(self, method, **params):
        want = self._post(method, params)
        while True:
            msg = self._pump()
            if msg.get('id') == want:
                if 'error' in msg:
                    raise OSError(f'{method}: {msg["error"]}')
                return msg.get('result', {})

    def _pump(self):
        msg = self._message()
        if 'id' not in msg:
            self.events.append(msg)
        if msg.get('method') == 'Page.javascriptDialogOpening':
            # An injected alert() would block the page: dismiss it and go on.
            self._post('Page.handleJavaScriptDialog', {'accept': True})
        return msg

    def wait_event(self, method, timeout=30):
        end = time.time() + timeout
        while time.time() < end:
            for ev in self.events:
                if ev.get('method') == method:
                    return ev
            self._pump()
        raise OSError(f'no {method} within {timeout} s')

    def eval(self, expr):
        r = self.send('Runtime.evaluate', expression=expr, returnByValue=True)
        if 'exceptionDetails' in r:
            raise OSError(f'page script failed on {expr!r}: {r["exceptionDetails"].get("text")}')
        return r['result'].get('value')


STATE = '''JSON.stringify({point: document.body.dataset.point, line: document.body.dataset.line,
  diagram: document.body.dataset.diagram,
  hl: (document.querySelector("#source .ln.cur .no") || {}).textContent,
  svg: (document.querySelector("#diagram svg") || {outerHTML: ""}).outerHTML})'''


def key(dt, name, code):
    for kind in ('keyDown', 'keyUp'):
        dt.send('Input.dispatchKeyEvent', type=kind, key=name, code=name,
                windowsVirtualKeyCode=code, nativeVirtualKeyCode=code)


def state(dt):
    return json.loads(dt.eval(STATE))


SCALES = '''(function(){var out=[]; for (var i = 0; i < heapreel.points; i++) { heapreel.go(i);
  var svg = document.querySelector("#diagram svg"); if (!svg) continue;
  var vb = svg.viewBox.baseVal; out.push(svg.getBoundingClientRect().width / (vb.width * 4 / 3)); }
  heapreel.go(0); return out;})()'''


def check(dt, page, shot, texts, min_scale=None):
    dt.send('Page.enable')
    dt.send('Runtime.enable')
    dt.send('Network.enable')
    dt.send('Page.navigate', url='file://' + os.path.abspath(page))
    dt.wait_event('Page.loadEventFired')
    npoints = dt.eval('window.heapreel ? window.heapreel.points : -1')
    if npoints < 2:
        fail(f'the page has {npoints} points (or its script did not run)')
        return
    a = state(dt)
    if a['point'] != '0':
        fail(f'the page opens at point {a["point"]}, not the first')
    key(dt, 'ArrowRight', 39)
    b = state(dt)
    if b['point'] != '1':
        fail(f'right arrow: point {a["point"]} -> {b["point"]}, expected 1')
    if a['hl'] != a['line'] or b['hl'] != b['line']:
        fail(f'the highlighted source line ({a["hl"]}, {b["hl"]}) is not the point\'s ({a["line"]}, {b["line"]})')
    if a['hl'] == b['hl']:
        fail(f'right arrow: the highlighted line stayed {a["hl"]}')
    if a['svg'] == b['svg'] or not b['svg'].startswith('<svg'):
        fail('right arrow: the diagram did not change')
    key(dt, 'ArrowLeft', 37)
    if state(dt)['svg'] != a['svg']:
        fail('left arrow: the first diagram did not come back')
    key(dt, 'End', 35)
    if state(dt)['point'] != str(npoints - 1):
        fail('End does not go to the last point')
    key(dt, 'Home', 36)
    key(dt, 'ArrowRight', 39)
    # What the program made must stay text: no dialog, no new script, no handler.
    check_sealed(dt, page)
    bad = dt.eval('''(function(){var n=0; document.querySelectorAll("#diagram *, #source *, #output *")
        .forEach(function(e){ if (e.localName === "script") n++;
          for (var i = 0; i < e.attributes.length; i++) if (/^on/i.test(e.attributes[i].name)) n++; });
        return n;})()''')
    if bad:
        fail(f'{bad} script elements or event handlers inside the page\'s panels')
    dt.eval('heapreel.go(heapreel.points - 1)')
    visible = dt.eval('document.body.innerText + "\\n" + '
                      'Array.prototype.map.call(document.querySelectorAll("#diagram text"), '
                      'function (t) { return t.textContent; }).join(" ")')
    for t in texts:
        if t not in visible:
            fail(f'{t!r} is not in the page\'s text at the last point')
    if min_scale is not None:
        scales = dt.eval(SCALES)
        low = [s for s in scales if s < min_scale - 0.005]
        if not scales:
            fail('no diagram to measure')
        if low:
            fail(f'{len(low)} of {len(scales)} diagrams drawn at scale {min(low):.2f}, below {min_scale}')
        if max(scales or [0]) > 1.505:
            fail(f'a small diagram blown up to scale {max(scales):.2f} (at most 1.5)')
        print(f'page_check: {len(scales)} diagrams, scales {min(scales):.2f} to {max(scales):.2f}')
    dt.eval('heapreel.go(1)')
    save_screenshot(dt, shot, 5000)


def check_sealed(dt, page, failed=None):
    """A self-contained page stayed sealed: no dialog opened, nothing but the
    page itself was fetched, and the document holds only its two scripts."""
    failed = failed or fail
    for ev in dt.events:
        if ev.get('method') == 'Page.javascriptDialogOpening':
            failed(f'a dialog opened: {ev["params"].get("message")!r}')
        if ev.get('method') == 'Network.requestWillBeSent':
            url = ev['params']['request']['url']
            if not url.startswith('file://' + os.path.abspath(page)):
                failed(f'the page fetched {url[:120]}')
    nscripts = dt.eval('document.getElementsByTagName("script").length')
    if nscripts != 2:
        failed(f'the document holds {nscripts} <script> elements, the page brings 2')


def save_screenshot(dt, shot, min_bytes, failed=None):
    """The page as a PNG in shot; a PNG under min_bytes is an empty page."""
    png = base64.b64decode(dt.send('Page.captureScreenshot', format='png')['data'])
    if not png.startswith(b'\x89PNG') or len(png) < min_bytes:
        (failed or fail)('the screenshot is not a PNG of a drawn page')
    with open(shot, 'wb') as f:
        f.write(png)


def main():
    args = sys.argv[1:]
    if len(args) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    chromium, page, shot = args[:3]
    texts = [args[i + 1] for i in range(3, len(args) - 1) if args[i] == '--text']
    window = next((args[i + 1] for i in range(3, len(args) - 1) if args[i] == '--window'), '1280x800')
    min_scale = next((float(args[i + 1]) for i in range(3, len(args) - 1) if args[i] == '--min-scale'), None)
    return with_chromium(chromium, window, lambda dt: check(dt, page, shot, texts, min_scale))


def with_chromium(chromium, window, run, failed=None):
    """Start headless Chromium with a window of WxH, run(DevTools client of
    its page), and stop it whatever happened. Returns 1 when run or the
    browser failed (failures listed through failed, else this module's fail),
    else 0."""
    failed = failed or fail
    prof = tempfile.mkdtemp(prefix='page_check.')
    proc = subprocess.Popen([chromium, '--headless=new', '--disable-gpu', '--no-sandbox',
                             '--no-first-run', '--remote-debugging-port=0',
                             f'--user-data-dir={prof}', '--window-size=' + window.replace('x', ','), 'about:blank'],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        port_file = os.path.join(prof, 'DevToolsActivePort')
        end = time.time() + 30
        while not (os.path.exists(port_file) and open(port_file).read().count('\n') >= 1):
            if time.time() > end or proc.poll() is not None:
                failed('chromium did not open its DevTools port')
                return 1
            time.sleep(0.1)
        port = open(port_file).read().split('\n')[0].strip()
        targets = json.load(urllib.request.urlopen(f'http://127.0.0.1:{port}/json/list', timeout=10))
        ws = next(t['webSocketDebuggerUrl'] for t in targets if t.get('type') == 'page')
        run(DevTools(ws))
    except (OSError, StopIteration, ValueError) as e:
        failed(f'devtools: {e}')
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(prof, ignore_errors=True)
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
