#!/usr/bin/python3.11
"""flame_check.py — drive heapreel's flame graph page in headless Chromium.

Usage: flame_check.py CHROMIUM PAGE.html SCREENSHOT.png TOTAL FUNCTION SEARCH

Loads the page through the DevTools protocol (page_check.py's client) and
checks: the whole is TOTAL bytes and the top frames add up to it; a real
mouse click on the widest frame of FUNCTION zooms so that frame becomes the
page's full width (and frames outside it disappear); Escape zooms back out;
typing SEARCH in the search box highlights exactly the frames whose name
holds it; nothing is fetched, no dialog opens, the document holds the
page's two scripts. Prints FAIL lines and exits 1 when a check fails.
"""
import json, os, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from page_check import check_sealed, save_screenshot, with_chromium  # noqa: E402

failures = []


def fail(msg):
    failures.append(msg)
    print('FAIL:', msg, file=sys.stderr)


FRAMES = '''JSON.stringify(Array.prototype.map.call(document.querySelectorAll("#flame .f"), function (e) {
  var r = e.getBoundingClientRect();
  return {node: +e.dataset.node, text: e.textContent, shown: e.style.display !== "none",
          match: e.classList.contains("match"), x: r.left, y: r.top, w: r.width, h: r.height};
}))'''


def frames(dt):
    return json.loads(dt.eval(FRAMES))


def click(dt, x, y):
    for kind in ('mousePressed', 'mouseReleased'):
        dt.send('Input.dispatchMouseEvent', type=kind, x=x, y=y, button='left', clickCount=1)


def check(dt, page, shot, total, function, term):
    dt.send('Page.enable')
    dt.send('Runtime.enable')
    dt.send('Network.enable')
    dt.send('Page.navigate', url='file://' + os.path.abspath(page))
    dt.wait_event('Page.loadEventFired')
    got = dt.eval('window.heapreel ? window.heapreel.total : -1')
    if got != total:
        fail(f'the page\'s whole is {got} bytes, expected {total}')
    top = dt.eval('''(function () { var D = JSON.parse(document.getElementById("heapreel-data").textContent), s = 0;
        D.nodes.forEach(function (n) { if (n[0] === 0) s += n[4]; }); return s; })()''')
    if top != total:
        fail(f'the top frames add up to {top} bytes, not the whole {total}')
    width = dt.eval('document.getElementById("flame").clientWidth')
    fs = frames(dt)
    mine = [f for f in fs if f['shown'] and f['text'].startswith(function + ' (')]
    if not mine:
        fail(f'no frame of {function} is drawn: {[f["text"] for f in fs][:12]}')
        return
    target = max(mine, key=lambda f: f['w'])
    if target['w'] >= width - 1:
        fail(f'{function} already takes the full width: nothing to zoom into')
    click(dt, target['x'] + min(target['w'] / 2, 40), target['y'] + target['h'] / 2)
    fs = {f['node']: f for f in frames(dt)}
    z = fs[target['node']]
    if dt.eval('document.body.dataset.zoom') != str(target['node']):
        fail(f'a click on {function} zoomed to node {dt.eval("document.body.dataset.zoom")}')
    if abs(z['w'] - width) > 1:
        fail(f'after the click {function} is {z["w"]:.1f} px wide, not the full {width} px')
    if not any(not f['shown'] for f in fs.values()):
        fail('after the zoom every frame is still drawn')
    for kind in ('keyDown', 'keyUp'):
        dt.send('Input.dispatchKeyEvent', type=kind, key='Escape', code='Escape',
                windowsVirtualKeyCode=27, nativeVirtualKeyCode=27)
    if abs(frames(dt)[0]['w'] - width) > 1 or dt.eval('document.body.dataset.zoom') != '0':
        fail('Escape does not zoom back out to the whole')
    dt.eval('document.getElementById("search").focus()')
    dt.send('Input.insertText', text=term)
    fs = frames(dt)
    hits = [f for f in fs if f['match']]
    want = [f for f in fs[1:] if term.lower() in dt.eval(
        f'(function(){{var n=JSON.parse(document.getElementById("heapreel-data").textContent).nodes[{f["node"]}];'
        f' return (n[1] || "") + " " + (n[2] || "") + ":" + n[3];}})()').lower()]
    if not hits:
        fail(f'searching {term!r} highlights nothing')
    if sorted(f['node'] for f in hits) != sorted(f['node'] for f in want):
        fail(f'searching {term!r} highlights {[f["text"] for f in hits]}, expected {[f["text"] for f in want]}')
    if term not in dt.eval('document.getElementById("status").textContent') and \
            'match' not in dt.eval('document.getElementById("status").textContent'):
        fail('the search does not say what matched')
    check_sealed(dt, page, fail)
    save_screenshot(dt, shot, 3000, fail)


def main():
    if len(sys.argv) != 7:
        print(__doc__, file=sys.stderr)
        return 2
    chromium, page, shot, total, function, term = sys.argv[1:]
    with_chromium(chromium, '1280x800', lambda dt: check(dt, page, shot, int(total), function, term), fail)
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
