#!/usr/bin/env python3
"""Draw the illustration "photos" and the sample minutes for the example site.

Everything here is drawn from scratch with Pillow (shapes, gradients, brush
strokes and seeded noise); nothing is downloaded and no outside image is used.
The pictures are illustrations drawn for the example site, not photographs of
real places:

* ``bridge-new.jpg``      a sunny rural scene in Anhui: a new concrete road
                          bridge with railings over the Nanganqu irrigation
                          canal, rice fields, a village road joining the
                          bridge, trees and a blue sky (1920x1280);
* ``bridge-road-cut.jpg`` the "before" scene: the village road blocked by
                          highway works (barriers, a dirt mound, a hoarding),
                          the canal beside it (1600x1067);
* ``canal-before.jpg``    a narrow, silted, weedy earthen ditch (1600x1067);
* ``canal-after.jpg``     the same ditch rebuilt as a straight concrete-lined
                          channel with flowing water (1600x1067);
* ``minutes.pdf``         one A4 page of sample meeting minutes in Chinese,
                          drawn at 150 dpi and stored as a grayscale JPEG
                          inside the PDF.

All randomness is seeded, so a rerun writes the same bytes. The JPEGs carry
no EXIF or other metadata.

Usage: python3 scripts/draw_example_media.py [--out DIR]
"""

from __future__ import annotations

import argparse
import glob
import math
import random
import subprocess
import time
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

SEED = 20210715
DEFAULT_OUT = "/tmp/example-media"


# ---------------------------------------------------------------------------
# Small colour and geometry helpers
# ---------------------------------------------------------------------------

def clamp(v, lo=0, hi=255):
    return lo if v < lo else hi if v > hi else v


def mix(c1, c2, t):
    """Linear mix of two RGB(A) colours, t=0 gives c1."""
    t = clamp(t, 0.0, 1.0)
    return tuple(int(round(a + (b - a) * t)) for a, b in zip(c1, c2))


def jitter(rng, c, amount):
    return tuple(clamp(v + rng.randint(-amount, amount)) for v in c)


def shade(c, k):
    """Multiply a colour by k (k<1 darker, k>1 lighter)."""
    return tuple(clamp(int(v * k)) for v in c)


def gradient_at(stops, t):
    """Colour at t (0..1) along a list of (position, colour) stops."""
    if t <= stops[0][0]:
        return stops[0][1]
    for (p0, c0), (p1, c1) in zip(stops, stops[1:]):
        if t <= p1:
            return mix(c0, c1, (t - p0) / (p1 - p0) if p1 > p0 else 0)
    return stops[-1][1]


def vertical_gradient(size, stops, y0=None, y1=None):
    """An RGB image of `size` whose colour runs through `stops` from y0 to y1."""
    w, h = size
    y0 = 0 if y0 is None else y0
    y1 = h - 1 if y1 is None else y1
    col = Image.new("RGB", (1, h))
    px = col.load()
    span = max(1e-6, y1 - y0)
    for y in range(h):
        px[0, y] = gradient_at(stops, (y - y0) / span)
    return col.resize((w, h), Image.NEAREST)


def poly_bbox(pts, size):
    xs = [p[0] for p in pts]
    ys = [p[1] for p in pts]
    x0 = int(clamp(math.floor(min(xs)), 0, size[0]))
    y0 = int(clamp(math.floor(min(ys)), 0, size[1]))
    x1 = int(clamp(math.ceil(max(xs)) + 1, 0, size[0]))
    y1 = int(clamp(math.ceil(max(ys)) + 1, 0, size[1]))
    return x0, y0, x1, y1


def fill_gradient_poly(img, pts, stops, y0, y1, alpha=255):
    """Fill a polygon with a vertical gradient running from y0 to y1."""
    bx0, by0, bx1, by1 = poly_bbox(pts, img.size)
    if bx1 <= bx0 or by1 <= by0:
        return
    w, h = bx1 - bx0, by1 - by0
    mask = Image.new("L", (w, h), 0)
    ImageDraw.Draw(mask).polygon([(x - bx0, y - by0) for x, y in pts], fill=alpha)
    grad = vertical_gradient((w, h), stops, y0 - by0, y1 - by0)
    img.paste(grad, (bx0, by0), mask)


def noise_image(size, rng, amp, scale=1, blur=0.0):
    """Seeded grey noise centred on 128 with roughly +-amp spread."""
    w, h = size
    sw, sh = max(1, w // scale), max(1, h // scale)
    n = Image.frombytes("L", (sw, sh), rng.randbytes(sw * sh))
    gain = 1.0
    if blur:
        n = n.filter(ImageFilter.GaussianBlur(blur))
        gain = 1.0 + 1.6 * blur  # blurring flattens the noise; win it back
    if (sw, sh) != (w, h):
        n = n.resize((w, h), Image.BICUBIC)
    lut = [clamp(int(128 + (v - 128) * gain * amp / 128)) for v in range(256)]
    return n.point(lut)


def add_noise(img, rng, amp, scale=1, blur=0.0, mask=None):
    n = noise_image(img.size, rng, amp, scale, blur)
    out = ImageChops.add(img, Image.merge("RGB", (n, n, n)), 1.0, -128)
    if mask is not None:
        out = Image.composite(out, img, mask)
    return out


def blur_rgba(layer, radius):
    """Blur an RGBA layer without dark fringes (blur with premultiplied alpha)."""
    return layer.convert("RGBa").filter(ImageFilter.GaussianBlur(radius)).convert("RGBA")


def paste_layer(img, layer, blur=0.0):
    """Alpha-composite an RGBA layer of the same size onto an RGB image."""
    if blur:
        layer = blur_rgba(layer, blur)
    img.paste(layer, (0, 0), layer)


def finish(img, rng, soften=0.6, paint_amp=5, grain_amp=3):
    """Soften, add a painterly blotch texture, fine grain and a light vignette."""
    if soften:
        img = img.filter(ImageFilter.GaussianBlur(soften))
    img = add_noise(img, rng, paint_amp, scale=6, blur=1.2)
    if grain_amp:
        img = add_noise(img, rng, grain_amp, scale=1, blur=0.5)
    vig = Image.radial_gradient("L").resize(img.size, Image.BILINEAR)
    vig = vig.point(lambda v: clamp(int((v - 150) * 0.55)) if v > 150 else 0)
    dark = Image.new("RGB", img.size, (30, 35, 45))
    return Image.composite(dark, img, vig)


# ---------------------------------------------------------------------------
# A pinhole camera looking along the ground (+z away from the viewer)
# ---------------------------------------------------------------------------

class Camera:
    def __init__(self, size, horizon, focal, height, cx):
        self.w, self.h = size
        self.hy = horizon
        self.f = focal
        self.eye = height
        self.cx = cx

    def p(self, x, z, e=0.0):
        """Screen point of the ground-frame point (x across, z depth, e up)."""
        return (self.cx + self.f * x / z, self.hy + self.f * (self.eye - e) / z)

    def poly(self, pts):
        return [self.p(*q) for q in pts]

    def quad(self, x0, x1, z0, z1, e=0.0):
        return self.poly([(x0, z0, e), (x1, z0, e), (x1, z1, e), (x0, z1, e)])

    def z_at(self, y, e=0.0):
        d = y - self.hy
        return self.f * (self.eye - e) / d if d > 0 else float("inf")

    def x_at(self, sx, z):
        return (sx - self.cx) * z / self.f

    def px(self, metres, z):
        """Size in pixels of `metres` seen at depth z."""
        return self.f * metres / z


def band_poly(cam, xfun, z0, z1, e=0.0, steps=40):
    """Polygon of a ground band whose edges are xfun(z)[0] and xfun(z)[1]."""
    zs = [z0 * (z1 / z0) ** (i / steps) for i in range(steps + 1)]
    left = [cam.p(xfun(z)[0], z, e) for z in zs]
    right = [cam.p(xfun(z)[1], z, e) for z in reversed(zs)]
    return left + right


# ---------------------------------------------------------------------------
# Scene pieces: sky, clouds, hills, fields, trees, houses
# ---------------------------------------------------------------------------

def draw_sky(img, hy, top, mid, horizon, sun=None):
    w = img.size[0]
    sky = vertical_gradient((w, hy + 4), [(0.0, top), (0.55, mid), (1.0, horizon)])
    img.paste(sky, (0, 0))
    if sun:
        # A soft warm glow around the sun.
        sx, sy, r = sun
        glow = Image.radial_gradient("L").resize((2 * r, 2 * r), Image.BILINEAR)
        # radial_gradient reads 181 at the middle of an edge (255 in the corners).
        glow = glow.point(lambda v: clamp(int(190 * max(0.0, 1 - v / 181) ** 2)))
        layer = Image.new("RGB", (2 * r, 2 * r), (255, 250, 228))
        img.paste(layer, (sx - r, sy - r), glow)


def draw_clouds(img, rng, clouds, light=(255, 255, 255), dark=(204, 214, 228)):
    """clouds: list of (x, y, width, height); flat bottoms, lit from the upper right."""
    layer = Image.new("RGBA", img.size, (0, 0, 0, 0))
    d = ImageDraw.Draw(layer)
    for cx, cy, cw, ch in clouds:
        puffs = []
        for _ in range(int(14 + cw / 18)):
            px = cx + (rng.random() - 0.5) * cw
            k = max(0.0, 1 - abs(px - cx) / (cw / 2))
            r = ch * (0.18 + 0.42 * k) * (0.6 + 0.6 * rng.random())
            py = cy - ch * 0.45 * k * rng.random() - r * 0.2
            puffs.append((px, py, r))
        bottom = cy + ch * 0.2
        # Light puffs first, then a shaded underside that stays inside them.
        for px, py, r in puffs:
            d.ellipse([px - r, py - r * 0.85, px + r, min(py + r * 0.85, bottom)], fill=light + (235,))
        for px, py, r in puffs:
            if py + r * 0.4 < bottom:
                r2 = r * 0.7
                d.ellipse([px - r2 - r * 0.12, py + r * 0.15, px + r2 - r * 0.12, min(py + r, bottom)],
                          fill=dark + (150,))
        for px, py, r in sorted(puffs, key=lambda q: q[1])[: max(3, len(puffs) // 3)]:
            r2 = r * 0.55
            d.ellipse([px - r2 + r * 0.2, py - r * 0.75, px + r2 + r * 0.2, py - r * 0.75 + r2 * 1.4],
                      fill=(255, 255, 252, 200))
    paste_layer(img, layer, blur=7)


def draw_hills(img, rng, hy, ranges):
    """ranges: list of (colour, haze colour, base height px, amplitude px, wavelength)."""
    w = img.size[0]
    for color, haze, base, amp, wl in ranges:
        phase = [rng.random() * 6.28 for _ in range(3)]
        pts = [(0, hy + 2)]
        for x in range(0, w + 9, 8):
            y = (base + amp * (0.55 * math.sin(x / wl + phase[0])
                               + 0.3 * math.sin(x / (wl * 0.37) + phase[1])
                               + 0.15 * math.sin(x / (wl * 0.13) + phase[2])))
            pts.append((x, hy - max(2, y)))
        pts.append((w, hy + 2))
        top = min(p[1] for p in pts)
        fill_gradient_poly(img, pts, [(0, color), (1, haze)], top, hy)


def scatter_strokes(img, cam, rng, color_fn, y_from, y_to, *, blade=0.32,
                    density=1.0, min_len=1.6, max_len=60, e=0.0, tuft=True):
    """Brush strokes that give a surface a grass or rice texture.

    Screen rows from y_from to y_to are visited in bands; the stroke size comes
    from the depth of the row, so the texture shrinks toward the horizon.
    color_fn(x, z, sx, sy, u) returns an RGB colour or None to leave a spot
    alone; u is a uniform random number it may use to pick a colour. Every
    stroke takes the same count of numbers from rng whether it is drawn or
    not, so two scenes that only differ in what they leave alone get the same
    strokes everywhere else.
    """
    d = ImageDraw.Draw(img)
    w = img.size[0]
    y = max(y_from, cam.hy + 1)
    rnd = rng.random
    while y < y_to:
        z = cam.z_at(y, e)
        length = min(max_len, cam.px(blade, z))
        band = max(1.0, length * 0.35)
        if length >= min_len:
            width = max(1, int(length / 9))
            count = int(w * band / (length * width * 0.9) * density)
            for _ in range(count):
                sx, sy, u, r_len, r0, r1, r2, r3 = (rnd(), rnd(), rnd(), rnd(), rnd(), rnd(), rnd(), rnd())
                sx *= w
                sy = y + sy * band
                zz = cam.z_at(sy, e)
                col = color_fn(cam.x_at(sx, zz), zz, sx, sy, u)
                if col is None:
                    continue
                ln = length * (0.6 + 0.6 * r_len)
                if tuft and ln > 7:
                    for a, r in ((-0.35, r0), (0.0, r1), (0.3, r2)):
                        a += (r - 0.5) * 0.3
                        k = 0.9 + 0.2 * r
                        d.line([(sx, sy), (sx + math.sin(a) * ln, sy - math.cos(a) * ln)],
                               fill=shade(col, k), width=width)
                else:
                    lean = (r3 - 0.5) * ln * 0.5
                    d.line([(sx, sy), (sx + lean, sy - ln)], fill=col, width=width)
        y += band


RICE = [(46, 100, 38), (64, 128, 46), (88, 150, 56), (118, 172, 66), (150, 196, 86)]


class Paddies:
    """A grid of rice plots on the ground, each with its own shade of green."""

    def __init__(self, rng, plot_w, plot_d, x_off=0.0, z_off=0.0, yellow=0.0):
        self.rng = rng
        self.pw, self.pd = plot_w, plot_d
        self.xo, self.zo = x_off, z_off
        self.yellow = yellow
        self.tints = {}

    def plot(self, x, z):
        i = math.floor((x - self.xo) / self.pw)
        j = math.floor((z - self.zo) / self.pd)
        return i, j

    def tint(self, i, j):
        key = (i, j)
        if key not in self.tints:
            r = random.Random(hash((i * 7919 + j * 104729) & 0xFFFFFFFF) ^ SEED)
            k = 0.85 + 0.3 * r.random()
            yl = self.yellow + 0.25 * r.random() ** 3
            self.tints[key] = (k, yl)
        return self.tints[key]

    def on_bund(self, x, z):
        fx = (x - self.xo) % self.pw
        fz = (z - self.zo) % self.pd
        return fx < 0.35 or fx > self.pw - 0.35 or fz < 0.35 or fz > self.pd - 0.35

    def color(self, x, z, u):
        if self.on_bund(x, z):
            return None
        k, yl = self.tint(*self.plot(x, z))
        c = RICE[min(len(RICE) - 1, int(u * len(RICE)))]
        c = mix(c, (170, 176, 70), yl)
        return shade(c, k)


def draw_fields(img, cam, rng, paddies, exclude, haze_col, near_col, far_col,
                bund_col=(150, 160, 96), z_max=900.0, stroke_density=1.0):
    """Ground of rice plots: base gradient, plot tints, bunds, then rice strokes."""
    w, h = img.size
    ground = vertical_gradient((w, h - cam.hy), [(0.0, haze_col), (0.06, far_col), (1.0, near_col)])
    img.paste(ground, (0, cam.hy))
    d = ImageDraw.Draw(img)

    def haze(c, z):
        return mix(c, haze_col, (min(1.0, max(0.0, z) / z_max)) ** 0.6)

    # Plot tints, row by row from far to near.
    k0 = math.floor((2.0 - paddies.zo) / paddies.pd)
    rows = []
    k = k0
    while paddies.zo + k * paddies.pd < z_max:
        rows.append(k)
        k += 1
    for j in reversed(rows):
        z0 = paddies.zo + j * paddies.pd
        z1 = z0 + paddies.pd
        half = (w / 2 + abs(cam.cx - w / 2)) * z1 / cam.f + paddies.pw
        i0 = math.floor((-half - paddies.xo) / paddies.pw)
        i1 = math.ceil((half - paddies.xo) / paddies.pw)
        for i in range(i0, i1):
            x0 = paddies.xo + i * paddies.pw
            bright, yl = paddies.tint(i, j)
            base = shade(mix((78, 138, 50), (160, 170, 72), yl), bright)
            d.polygon(cam.quad(x0, x0 + paddies.pw, max(z0, 2.0), z1), fill=haze(base, z0 + paddies.pd / 2))
        # Bund across the view at the near edge of this row of plots.
        if z0 > 2.5:
            d.polygon(cam.quad(-half * 2, half * 2, z0 - 0.3, z0 + 0.3, 0.02), fill=haze(bund_col, z0))
    # Bunds along the view.
    for i in range(-120, 121):
        x = paddies.xo + i * paddies.pw
        d.polygon(cam.poly([(x - 0.3, 2.0, 0.02), (x + 0.3, 2.0, 0.02),
                            (x + 0.3, z_max, 0.02), (x - 0.3, z_max, 0.02)]),
                  fill=haze(bund_col, 30))

    def color_fn(x, z, sx, sy, u):
        if exclude(x, z):
            return None
        c = paddies.color(x, z, u)
        return None if c is None else haze(c, z)

    scatter_strokes(img, cam, rng, color_fn, cam.hy + 1, h, density=stroke_density, max_len=38)


def draw_tree(img, rng, sx, sy, height, kind="round", haze=0.0, haze_col=(200, 215, 220),
              shadow=True, lean=0.0):
    """A painted tree standing at screen point (sx, sy) with the given height in px."""
    if height < 4:
        return
    w = int(height * 1.1) + 8
    hh = int(height * 1.15) + 8
    layer = Image.new("RGBA", (w, hh), (0, 0, 0, 0))
    d = ImageDraw.Draw(layer)
    bx, by = w / 2, hh - 4  # trunk base inside the layer

    dark = (30, 70, 32)
    mid = (58, 112, 44)
    light = (128, 176, 70)
    if kind == "poplar":
        rx, ry, cy = height * 0.16, height * 0.40, by - height * 0.56
        dark, mid, light = (34, 78, 40), (66, 122, 52), (140, 184, 84)
    elif kind == "willow":
        rx, ry, cy = height * 0.42, height * 0.30, by - height * 0.62
        dark, mid, light = (52, 96, 40), (92, 140, 58), (160, 196, 96)
    else:
        rx, ry, cy = height * 0.40, height * 0.31, by - height * 0.64

    def hz(c):
        return mix(c, haze_col, haze)

    # Trunk and a few branches.
    tw = max(1.0, height * (0.035 if kind == "poplar" else 0.05))
    trunk = hz((78, 60, 44))
    top_x = bx + lean * height
    d.polygon([(bx - tw, by), (bx + tw, by), (top_x + tw * 0.5, cy), (top_x - tw * 0.5, cy)],
              fill=trunk)
    if height > 40:
        for _ in range(3):
            t = 0.3 + 0.4 * rng.random()
            y0 = by - (by - cy) * t
            x0 = bx + (top_x - bx) * t
            dx = (rng.random() - 0.5) * rx * 1.2
            d.line([(x0, y0), (x0 + dx, y0 - height * 0.18)], fill=trunk, width=max(1, int(tw * 0.6)))

    # Foliage: blobs sorted so the sunlit (upper right) ones end up on top.
    n = int(clamp(height * 1.4, 18, 520))
    blobs = []
    for _ in range(n):
        a = rng.random() * 2 * math.pi
        r = math.sqrt(rng.random())
        dx, dy = math.cos(a) * r, math.sin(a) * r
        light_t = 0.5 + 0.42 * dx - 0.5 * dy + (rng.random() - 0.5) * 0.35
        blobs.append((light_t, top_x + dx * rx, cy + dy * ry))
    blobs.sort()
    for light_t, px, py in blobs:
        br = (rx if kind != "poplar" else rx * 1.4) * (0.16 + 0.16 * rng.random())
        if light_t < 0.5:
            c = mix(dark, mid, light_t * 2)
        else:
            c = mix(mid, light, (light_t - 0.5) * 2)
        c = hz(jitter(rng, c, 8))
        d.ellipse([px - br, py - br * 0.85, px + br, py + br * 0.85], fill=c + (255,))
    if height > 60:
        for _ in range(int(n * 0.1)):
            a = -math.pi / 4 + (rng.random() - 0.5) * 1.6
            r = 0.5 + 0.45 * rng.random()
            px = bx + (top_x - bx) + math.cos(a) * r * rx
            py = cy + math.sin(a) * r * ry
            br = rx * 0.04 * (0.6 + rng.random())
            d.ellipse([px - br, py - br, px + br, py + br],
                      fill=hz(jitter(rng, mix(light, (190, 214, 120), 0.4), 10)) + (220,))
    if height > 30:
        layer = blur_rgba(layer, 0.6)

    ox, oy = int(sx - bx), int(sy - by)
    if shadow:
        sh = Image.new("RGBA", img.size, (0, 0, 0, 0))
        sd = ImageDraw.Draw(sh)
        sw = rx * 1.5
        sd.ellipse([sx - sw * 1.25, sy - height * 0.035, sx + sw * 0.3, sy + height * 0.05],
                   fill=(20, 45, 20, int(80 * (1 - haze))))
        paste_layer(img, sh, blur=max(1.0, height * 0.02))
    img.paste(layer, (ox, oy), layer)


def draw_hui_house(d, rng, x0, yb, w, h, haze, haze_col):
    """An Anhui (Hui style) house seen from the front: white wall, dark tile roof
    and stepped "horse-head" gable walls at both ends."""
    def hz(c):
        return mix(c, haze_col, haze)
    wall = hz(jitter(rng, (236, 234, 226), 4))
    wall_shade = hz((200, 200, 198))
    tile = hz((62, 64, 70))
    cap = hz((44, 46, 52))
    roof_h = h * 0.28
    # Roof behind the parapets.
    d.polygon([(x0 + w * 0.08, yb - h), (x0 + w * 0.92, yb - h),
               (x0 + w * 0.80, yb - h - roof_h), (x0 + w * 0.20, yb - h - roof_h)], fill=tile)
    # Main wall with a grey plinth.
    d.rectangle([x0, yb - h, x0 + w, yb], fill=wall)
    d.rectangle([x0, yb - h * 0.12, x0 + w, yb], fill=hz((170, 170, 168)))
    d.rectangle([x0 + w * 0.8, yb - h, x0 + w, yb], fill=wall_shade)
    # Eave line.
    d.rectangle([x0 - w * 0.02, yb - h - max(1, h * 0.05), x0 + w * 1.02, yb - h + max(1, h * 0.03)], fill=cap)
    # Stepped gables.
    steps = 2 if w < 30 else 3
    sw = w * 0.09
    for side in (0, 1):
        for s in range(steps):
            top = yb - h - roof_h * (0.45 + 0.55 * (s + 1) / steps)
            if side == 0:
                gx0, gx1 = x0 + s * sw, x0 + (s + 1) * sw + sw * 0.3
            else:
                gx0, gx1 = x0 + w - (s + 1) * sw - sw * 0.3, x0 + w - s * sw
            d.rectangle([gx0, top, gx1, yb - h], fill=wall if side == 0 else wall_shade)
            d.rectangle([gx0 - sw * 0.2, top - max(1, h * 0.045), gx1 + sw * 0.2, top + max(1, h * 0.02)],
                        fill=cap)
    # Windows and door.
    win = hz((52, 56, 60))
    if w > 14:
        d.rectangle([x0 + w * 0.45, yb - h * 0.45, x0 + w * 0.56, yb - h * 0.12], fill=hz((90, 60, 44)))
        for wx in (0.18, 0.72):
            d.rectangle([x0 + w * wx, yb - h * 0.78, x0 + w * (wx + 0.09), yb - h * 0.62], fill=win)


def draw_village(img, rng, cam, spots, haze_col, tree_haze=0.45):
    """Houses and trees clustered at far ground positions spots=[(x, z), ...]."""
    d = ImageDraw.Draw(img)
    items = []
    for x, z in spots:
        for _ in range(rng.randint(3, 5)):
            items.append(("house", x + (rng.random() - 0.5) * 40, z + rng.random() * 30))
        for _ in range(rng.randint(4, 7)):
            items.append(("tree", x + (rng.random() - 0.5) * 60, z + rng.random() * 40 - 5))
    items.sort(key=lambda it: -it[2])
    for kind, x, z in items:
        sx, sy = cam.p(x, z)
        haze = clamp(0.2 + z / 700, 0.0, 0.7)
        if kind == "house":
            w = cam.px(9 + 5 * rng.random(), z)
            h = cam.px(6 + 2.5 * rng.random(), z)
            draw_hui_house(d, rng, sx - w / 2, sy, w, h, haze, haze_col)
        else:
            draw_tree(img, rng, sx, sy, cam.px(8 + 5 * rng.random(), z),
                      kind="round" if rng.random() < 0.7 else "poplar",
                      haze=max(haze, tree_haze * 0.6), haze_col=haze_col, shadow=False)


def draw_tree_line(img, rng, cam, z, x_from, x_to, haze_col, spacing=9.0, haze=0.4,
                   height=(9, 14), kinds=("round", "poplar")):
    x = x_from
    while x < x_to:
        xx = x + (rng.random() - 0.5) * spacing * 0.6
        zz = z + (rng.random() - 0.5) * 10
        sx, sy = cam.p(xx, zz)
        draw_tree(img, rng, sx, sy, cam.px(height[0] + (height[1] - height[0]) * rng.random(), zz),
                  kind=rng.choice(kinds), haze=haze, haze_col=haze_col, shadow=False)
        x += spacing * (0.6 + 0.8 * rng.random())


def water_ripples(img, rng, cam, mask, e, count, light, dark, stretch=1.0, along=False):
    """Short glints and dark ripples on a water surface (only inside mask)."""
    layer = Image.new("RGBA", img.size, (0, 0, 0, 0))
    d = ImageDraw.Draw(layer)
    mp = mask.load()
    w, h = img.size
    for _ in range(count):
        sx = rng.random() * w
        sy = cam.hy + 2 + (h - cam.hy - 2) * rng.random() ** 1.6
        if not (0 <= int(sx) < w and 0 <= int(sy) < h) or mp[int(sx), int(sy)] == 0:
            continue
        z = cam.z_at(sy, e)
        ln = cam.px(0.5 * stretch, z) * (0.5 + rng.random())
        th = max(1, int(cam.px(0.015 if along else 0.03, z)))
        c = light if rng.random() < 0.5 else dark
        a = int(40 + 100 * rng.random())
        if along:
            # Streaks that run along the flow, toward the vanishing point.
            x = cam.x_at(sx, z)
            p0 = cam.p(x, z, e)
            p1 = cam.p(x, z + 0.6 * stretch * (0.5 + rng.random()), e)
            d.line([p0, p1], fill=c + (a,), width=th)
        else:
            d.line([(sx - ln / 2, sy), (sx + ln / 2, sy)], fill=c + (a,), width=th)
    layer.putalpha(ImageChops.multiply(layer.getchannel("A"), mask))
    paste_layer(img, layer, blur=0.9)


def stone_wall(layer, rng, pts, size):
    """Fill a polygon on an RGBA layer with coursed rubble masonry; size is
    the height of one course in pixels."""
    bx0, by0, bx1, by1 = poly_bbox(pts, layer.size)
    if bx1 <= bx0 or by1 <= by0:
        return
    w, h = bx1 - bx0, by1 - by0
    tex = Image.new("RGBA", (w, h), (118, 114, 106, 255))
    td = ImageDraw.Draw(tex)
    size = max(4.0, size)
    y, row = 0.0, 0
    while y < h:
        x = -size * (0.5 * (row % 2) + rng.random() * 0.5)
        while x < w:
            sw = size * (1.1 + 0.9 * rng.random())
            c = jitter(rng, shade((168, 162, 150), 0.85 + 0.25 * rng.random()), 3) + (255,)
            gap = max(1.0, size * 0.08)
            td.rounded_rectangle([x + gap, y + gap, x + sw - gap, y + size - gap],
                                 radius=size * 0.25, fill=c)
            td.line([(x + gap * 2, y + gap * 1.5), (x + sw - gap * 2, y + gap * 1.5)],
                    fill=shade(c[:3], 1.08) + (255,), width=1)
            x += sw
        y += size
        row += 1
    mask = Image.new("L", (w, h), 0)
    ImageDraw.Draw(mask).polygon([(px - bx0, py - by0) for px, py in pts], fill=255)
    layer.paste(tex, (bx0, by0), mask)


# ---------------------------------------------------------------------------
# 1. The new bridge over the Nanganqu canal
# ---------------------------------------------------------------------------

def draw_bridge_new(rng):
    W, H = 1920, 1280
    cam = Camera((W, H), horizon=540, focal=1400, height=2.6, cx=860)
    img = Image.new("RGB", (W, H))
    haze_col = (206, 222, 226)

    draw_sky(img, cam.hy, (52, 112, 196), (104, 160, 222), (196, 220, 236), sun=(1700, 110, 420))
    draw_clouds(img, rng, [(300, 190, 520, 150), (900, 120, 380, 100), (1420, 260, 600, 170),
                           (1820, 420, 300, 70), (620, 430, 360, 60), (120, 470, 260, 45)])
    draw_hills(img, rng, cam.hy, [((150, 176, 196), haze_col, 60, 38, 170),
                                  ((118, 150, 150), haze_col, 28, 22, 110)])

    # Canal geometry (metres): water from WL to WR at elevation WE, bank tops BL/BR.
    WL, WR, WE = -2.0, 7.0, -1.3
    BL, BR = -3.6, 8.6
    ZB0, ZB1 = 18.0, 24.0           # near and far edge of the bridge deck
    DE = 0.8                        # deck top elevation
    XB0, XB1 = -7.5, 12.0           # deck ends
    road_z0, road_z1 = 18.6, 23.4   # the road on the ground beside the bridge

    def village_road_x(z):
        c = -19.5 - 0.0016 * (z - 24) ** 2
        return c - 2.0, c + 2.0

    def exclude(x, z):
        if BL - 0.4 < x < BR + 0.4:
            return True
        if road_z0 - 0.6 < z < road_z1 + 0.6:
            return True
        if z > road_z1:
            a, b = village_road_x(z)
            if a - 0.5 < x < b + 0.5:
                return True
        return False

    paddies = Paddies(rng, plot_w=16.0, plot_d=26.0, x_off=BR + 0.8, z_off=road_z1 + 1.0)
    draw_fields(img, cam, rng, paddies, exclude, haze_col, near_col=(70, 128, 46),
                far_col=(120, 160, 86))
    d = ImageDraw.Draw(img)

    # Village road toward the houses on the left, and the far village.
    zfar = 190.0
    road_poly = band_poly(cam, village_road_x, road_z1 - 0.5, zfar, 0.03)
    fill_gradient_poly(img, road_poly, [(0, (196, 194, 184)), (1, (186, 184, 176))],
                       cam.hy, cam.p(0, road_z1)[1])
    draw_village(img, rng, cam, [(-70, 200), (-130, 240), (-25, 260)], haze_col)
    draw_village(img, rng, cam, [(60, 300), (130, 280)], haze_col)
    draw_tree_line(img, rng, cam, 330, -300, 300, haze_col, spacing=12, haze=0.55)
    draw_tree_line(img, rng, cam, 150, 14, 90, haze_col, spacing=10, haze=0.38)

    # The canal: banks first, then water with a sky reflection.
    zn, zf = 3.0, 1500.0
    left_bank = cam.poly([(BL, zn, 0.0), (BL, zf, 0.0), (WL, zf, WE), (WL, zn, WE)])
    right_bank = cam.poly([(WR, zn, WE), (WR, zf, WE), (BR, zf, 0.0), (BR, zn, 0.0)])
    fill_gradient_poly(img, left_bank, [(0, (110, 140, 90)), (1, (66, 102, 50))], cam.hy, H)
    fill_gradient_poly(img, right_bank, [(0, (136, 160, 104)), (1, (106, 146, 62))], cam.hy, H)
    water = cam.poly([(WL, zn, WE), (WL, zf, WE), (WR, zf, WE), (WR, zn, WE)])
    fill_gradient_poly(img, water, [(0, (200, 222, 232)), (0.12, (132, 178, 200)),
                                    (0.5, (78, 130, 150)), (1, (44, 92, 106))], cam.hy, H)
    water_mask = Image.new("L", (W, H), 0)
    ImageDraw.Draw(water_mask).polygon(water, fill=255)

    shaded_grass = [(48, 84, 38), (66, 106, 48), (86, 126, 58), (108, 146, 68)]
    lit_grass = [(82, 126, 50), (108, 152, 62), (136, 174, 78), (164, 194, 98)]

    banks = Image.new("L", (W, H), 0)
    bk = ImageDraw.Draw(banks)
    bk.polygon(left_bank, fill=1)
    bk.polygon(right_bank, fill=2)
    bank_px = banks.load()

    def bank_color(x, z, sx, sy, u):
        side = bank_px[int(sx), min(H - 1, int(sy))]
        if side == 1:
            return shaded_grass[int(u * 4)]
        if side == 2:
            return lit_grass[int(u * 4)]
        return None
    scatter_strokes(img, cam, rng, bank_color, cam.hy + 1, H, blade=0.2, density=1.1, e=-0.6, max_len=30)
    # Wet line where the water meets the banks.
    for x in (WL, WR):
        d.line([cam.p(x, zn, WE), cam.p(x, zf, WE)], fill=(52, 70, 52), width=3)

    # Shadow of the bridge on the water and the banks beneath it.
    smask = Image.new("L", (W, H), 0)
    sd = ImageDraw.Draw(smask)
    sd.polygon(cam.poly([(BL, ZB0, 0.0), (WL, ZB0, WE), (WL, ZB1, WE), (BL, ZB1, 0.0)]), fill=200)
    sd.polygon(cam.poly([(WR, ZB0, WE), (BR, ZB0, 0.0), (BR, ZB1, 0.0), (WR, ZB1, WE)]), fill=200)
    sd.polygon(cam.poly([(WL, ZB0, WE), (WR, ZB0, WE), (WR, ZB1 + 2, WE), (WL, ZB1 + 2, WE)]), fill=190)
    smask = smask.filter(ImageFilter.GaussianBlur(3)).point(lambda v: v * 3 // 4)
    img.paste(Image.new("RGB", (W, H), (24, 40, 44)), (0, 0), smask)

    water_ripples(img, rng, cam, water_mask, WE, 1500, (226, 240, 246), (40, 80, 92), stretch=1.1)

    # Ground road beside the bridge, left and right, with its approach ramps.
    road_col = (198, 196, 188)
    for x0, x1 in ((-400.0, -15.0), (19.5, 400.0)):
        d.polygon(cam.quad(x0, x1, road_z0, road_z1, 0.03), fill=road_col)
        d.polygon(cam.quad(x0, x1, road_z0 - 0.25, road_z0, 0.03), fill=(150, 148, 140))

    # Everything that stands on or above the bridge goes on its own layer, so
    # that it can be mirrored into the water as a reflection.
    br = Image.new("RGBA", (W, H), (0, 0, 0, 0))
    bd = ImageDraw.Draw(br)
    concrete = (214, 211, 202)
    concrete_dark = (168, 166, 160)
    deck = (190, 188, 180)
    # Approach ramps (road surface) and the deck top.
    bd.polygon(cam.poly([(-15.0, road_z0, 0.03), (XB0, ZB0, DE), (XB0, ZB1, DE), (-15.0, road_z1, 0.03)]),
               fill=deck + (255,))
    bd.polygon(cam.poly([(XB1, ZB0, DE), (19.5, road_z0, 0.03), (19.5, road_z1, 0.03), (XB1, ZB1, DE)]),
               fill=deck + (255,))
    bd.polygon(cam.quad(XB0, XB1, ZB0, ZB1, DE), fill=deck + (255,))
    # Faint wheel tracks on the deck.
    for zt in (20.0, 22.2):
        bd.polygon(cam.poly([(-15.0, zt, 0.05), (XB0, zt, DE + 0.01), (XB1, zt, DE + 0.01), (19.5, zt, 0.05),
                             (19.5, zt + 0.5, 0.05), (XB1, zt + 0.5, DE + 0.01), (XB0, zt + 0.5, DE + 0.01),
                             (-15.0, zt + 0.5, 0.05)]), fill=(176, 174, 166, 255))

    def railing(z, alpha, lit):
        post_c = shade(concrete, lit) + (alpha,)
        post_side = shade(concrete_dark, lit) + (alpha,)
        rail_c = shade((226, 224, 216), lit) + (alpha,)
        top, mid, foot = DE + 1.1, DE + 0.62, DE + 0.2
        # Rails along the ramps and the deck.
        pts_top = [(-14.0, 0.03 + 1.1), (XB0, top), (XB1, top), (18.5, 0.03 + 1.1)]
        for (xa, ea), (xb, eb) in zip(pts_top, pts_top[1:]):
            for e_off, th in ((0.0, 0.13), (mid - top, 0.08), (foot - top, 0.08)):
                bd.polygon(cam.poly([(xa, z, ea + e_off), (xb, z, eb + e_off),
                                     (xb, z, eb + e_off - th), (xa, z, ea + e_off - th)]), fill=rail_c)
        # Posts every 2 m.
        x = -14.0
        while x <= 18.6:
            if x < XB0:
                eb = 0.03 + (DE - 0.03) * (x + 14.0) / (XB0 + 14.0)
            elif x > XB1:
                eb = DE - (DE - 0.03) * (x - XB1) / (18.5 - XB1)
            else:
                eb = DE
            et = eb + 1.18
            bd.polygon(cam.poly([(x - 0.11, z, eb), (x + 0.11, z, eb), (x + 0.11, z, et), (x - 0.11, z, et)]),
                       fill=post_c)
            bd.polygon(cam.poly([(x + 0.04, z, eb), (x + 0.11, z, eb), (x + 0.11, z, et), (x + 0.04, z, et)]),
                       fill=post_side)
            bd.polygon(cam.poly([(x - 0.14, z, et), (x + 0.14, z, et), (x + 0.14, z, et + 0.06),
                                 (x - 0.14, z, et + 0.06)]), fill=post_side)
            x += 2.0

    railing(ZB1 - 0.15, 255, 0.92)

    # Front face of the deck (the fascia), with a dark drip line and pier.
    fascia = cam.poly([(XB0, ZB0, DE), (XB1, ZB0, DE), (XB1, ZB0, 0.0), (XB0, ZB0, 0.0)])
    bd.polygon(fascia, fill=concrete + (255,))
    bd.polygon(cam.poly([(XB0, ZB0, 0.1), (XB1, ZB0, 0.1), (XB1, ZB0, 0.0), (XB0, ZB0, 0.0)]),
               fill=concrete_dark + (255,))
    bd.polygon(cam.poly([(XB0, ZB0, DE), (XB1, ZB0, DE), (XB1, ZB0, DE - 0.1), (XB0, ZB0, DE - 0.1)]),
               fill=(234, 232, 226, 255))
    # Ramp side walls (stone faced).
    for xs in ((-15.0, XB0), (XB1, 19.5)):
        a, b = xs
        ea = 0.03 if a == -15.0 else DE
        eb = DE if a == -15.0 else 0.03
        face = cam.poly([(a, ZB0 + 0.3, ea), (b, ZB0, eb), (b, ZB0, -0.3), (a, ZB0 + 0.3, -0.3)])
        stone_wall(br, rng, face, cam.px(0.45, ZB0))
    # Abutment walls down to the water, and two piers.
    for xa, xb in ((XB0, BL + 0.3), (BR - 0.3, XB1)):
        bd.polygon(cam.poly([(xa, ZB0 + 0.05, 0.0), (xb, ZB0 + 0.05, 0.0),
                             (xb, ZB0 + 0.05, -0.3), (xa, ZB0 + 0.05, -0.3)]), fill=(160, 156, 146, 255))
    for xp in (0.9, 4.1):
        bd.polygon(cam.poly([(xp - 0.35, ZB0 + 0.6, 0.0), (xp + 0.35, ZB0 + 0.6, 0.0),
                             (xp + 0.35, ZB0 + 0.6, WE - 0.2), (xp - 0.35, ZB0 + 0.6, WE - 0.2)]),
                   fill=(150, 150, 144, 255))
        bd.polygon(cam.poly([(xp + 0.1, ZB0 + 0.6, 0.0), (xp + 0.35, ZB0 + 0.6, 0.0),
                             (xp + 0.35, ZB0 + 0.6, WE - 0.2), (xp + 0.1, ZB0 + 0.6, WE - 0.2)]),
                   fill=(182, 180, 172, 255))
        # Ripple line where the pier meets the water.
        bd.polygon(cam.poly([(xp - 0.5, ZB0 + 0.6, WE + 0.03), (xp + 0.5, ZB0 + 0.6, WE + 0.03),
                             (xp + 0.5, ZB0 + 0.6, WE - 0.05), (xp - 0.5, ZB0 + 0.6, WE - 0.05)]),
                   fill=(150, 176, 184, 255))
    # Weathering streaks on the fascia.
    for _ in range(60):
        x = XB0 + (XB1 - XB0) * rng.random()
        p0 = cam.p(x, ZB0, DE - 0.1)
        p1 = cam.p(x, ZB0, DE - 0.1 - 0.6 * rng.random())
        bd.line([p0, p1], fill=jitter(rng, (200, 197, 188), 4) + (255,), width=2)
    railing(ZB0 + 0.12, 255, 1.0)

    # Reflection of the bridge: the near face sits at one depth, so mirror it
    # about the waterline at that depth.
    wy = int(round(cam.p(0, ZB0, WE)[1]))
    refl = br.transpose(Image.FLIP_TOP_BOTTOM)
    offset = 2 * wy - H
    shifted = Image.new("RGBA", (W, H), (0, 0, 0, 0))
    shifted.paste(refl, (0, offset))
    ra = shifted.getchannel("A").point(lambda v: v * 35 // 100)
    lower = Image.new("L", (W, H), 0)
    ImageDraw.Draw(lower).rectangle([0, wy, W, H], fill=255)
    ra = ImageChops.multiply(ImageChops.multiply(ra, water_mask), lower)
    shifted.putalpha(ra)
    shifted = blur_rgba(shifted, 2.5)
    img.paste(shifted, (0, 0), shifted)

    img.paste(br, (0, 0), br)
    d = ImageDraw.Draw(img)

    # Trees: poplars along the far side of the road, a few trees along the
    # canal further off, and a willow framing the right-hand side.
    for x, z, hgt in ((-16.0, 29.0, 10.5), (13.5, 28.0, 10.0), (19.0, 30.0, 11.0)):
        sx, sy = cam.p(x, z)
        draw_tree(img, rng, sx, sy, cam.px(hgt, z), kind="poplar", shadow=True)
    for x, z, hgt in ((-7.5, 75.0, 11.0), (12.5, 62.0, 11.5), (-6.0, 125.0, 10.0)):
        sx, sy = cam.p(x, z)
        draw_tree(img, rng, sx, sy, cam.px(hgt, z), kind="round", haze=0.12, haze_col=haze_col)

    # Foreground grass on the near left bank top.
    def near_grass(x, z, sx, sy, u):
        if x < BL and z < 14:
            return jitter(rng, (96, 146, 56), 26)
        return None
    scatter_strokes(img, cam, rng, near_grass, cam.p(0, 14)[1], H, blade=0.28, density=0.7)

    return finish(img, rng)


# ---------------------------------------------------------------------------
# 2. Before: the road cut by the highway works
# ---------------------------------------------------------------------------

def draw_excavator(d, x, yb, s, body=(232, 178, 36), dark=(60, 58, 56)):
    """A simple excavator silhouette; s is the size of one metre in pixels."""
    # Tracks.
    d.rounded_rectangle([x - 2.2 * s, yb - 0.9 * s, x + 2.2 * s, yb], radius=0.4 * s, fill=dark)
    for i in range(6):
        cx = x - 1.8 * s + i * 0.72 * s
        d.ellipse([cx - 0.22 * s, yb - 0.68 * s, cx + 0.22 * s, yb - 0.24 * s], fill=(96, 94, 90))
    # Upper body and cab.
    d.rectangle([x - 1.9 * s, yb - 2.0 * s, x + 1.6 * s, yb - 0.95 * s], fill=body)
    d.rectangle([x - 1.9 * s, yb - 2.0 * s, x - 1.2 * s, yb - 0.95 * s], fill=shade(body, 0.8))
    d.polygon([(x + 0.1 * s, yb - 2.0 * s), (x + 1.5 * s, yb - 2.0 * s), (x + 1.5 * s, yb - 3.2 * s),
               (x + 0.5 * s, yb - 3.2 * s)], fill=body)
    d.polygon([(x + 0.55 * s, yb - 2.15 * s), (x + 1.35 * s, yb - 2.15 * s), (x + 1.35 * s, yb - 3.05 * s),
               (x + 0.72 * s, yb - 3.05 * s)], fill=(120, 150, 170))
    # Boom, stick and bucket.
    j0 = (x + 1.5 * s, yb - 1.8 * s)
    j1 = (x + 3.6 * s, yb - 4.4 * s)
    j2 = (x + 5.4 * s, yb - 1.3 * s)
    d.line([j0, j1], fill=body, width=int(max(2, 0.45 * s)))
    d.line([j1, j2], fill=body, width=int(max(2, 0.32 * s)))
    d.polygon([(j2[0] - 0.3 * s, j2[1]), (j2[0] + 0.6 * s, j2[1] - 0.2 * s), (j2[0] + 0.5 * s, j2[1] + 0.8 * s),
               (j2[0] - 0.2 * s, j2[1] + 0.6 * s)], fill=dark)


def draw_bridge_road_cut(rng):
    W, H = 1600, 1067
    cam = Camera((W, H), horizon=455, focal=1150, height=1.7, cx=690)
    img = Image.new("RGB", (W, H))
    haze_col = (214, 214, 204)
    draw_sky(img, cam.hy, (88, 138, 196), (140, 178, 214), (214, 220, 214), sun=(260, 90, 300))
    draw_clouds(img, rng, [(420, 150, 420, 110), (1100, 100, 520, 120), (1450, 290, 300, 70),
                           (760, 370, 300, 50)], dark=(204, 208, 212))
    draw_hills(img, rng, cam.hy, [((156, 170, 176), haze_col, 42, 26, 150)])

    RL, RR = -2.2, 2.4             # concrete village road
    CL, CR, CE = 5.2, 10.2, -1.0   # canal water, to the right of the road
    BL, BR = 4.0, 11.4             # canal bank tops
    ZCUT = 34.0                    # foot of the highway embankment
    ZF = 28.0                      # construction hoarding
    ZM = 19.0                      # dirt mound on the road
    ZB = 14.0                      # water-filled barriers
    ZS = 11.5                      # striped barrier board
    zn = 2.5

    def exclude(x, z):
        return RL - 1.2 < x < BR + 0.4 or z > ZCUT - 1

    paddies = Paddies(rng, plot_w=14.0, plot_d=22.0, x_off=BR + 0.6, z_off=6.0)
    draw_fields(img, cam, rng, paddies, exclude, haze_col, near_col=(74, 126, 48),
                far_col=(128, 158, 92), stroke_density=0.9)
    d = ImageDraw.Draw(img)

    # Distant trees and villages behind the embankment.
    draw_tree_line(img, rng, cam, 260, -250, 250, haze_col, spacing=12, haze=0.55)
    draw_village(img, rng, cam, [(-90, 180), (70, 210)], haze_col)

    # The highway embankment: raw earth across the whole view.
    emb_top, emb_run = 3.2, 10.0
    emb = cam.poly([(-400, ZCUT, 0.0), (-400, ZCUT + emb_run, emb_top), (400, ZCUT + emb_run, emb_top),
                    (400, ZCUT, 0.0)])
    fill_gradient_poly(img, emb, [(0, (198, 162, 114)), (1, (164, 126, 84))],
                       cam.p(0, ZCUT + emb_run, emb_top)[1], cam.p(0, ZCUT)[1])
    d.polygon(cam.quad(-400, 400, ZCUT + emb_run, ZCUT + emb_run + 8, emb_top), fill=(206, 180, 136))
    for _ in range(700):
        x = -60 + 120 * rng.random()
        z = ZCUT + emb_run * rng.random()
        e = emb_top * (z - ZCUT) / emb_run
        sx, sy = cam.p(x, z, e)
        r = max(1, cam.px(0.1, z))
        d.ellipse([sx - r, sy - r * 0.6, sx + r, sy + r * 0.6],
                  fill=shade((150, 114, 76), 0.8 + 0.4 * rng.random()))
    # Machines on top of the embankment.
    zt = ZCUT + emb_run + 3
    sx, sy = cam.p(-9.0, zt, emb_top)
    draw_excavator(d, sx, sy, cam.px(1.0, zt))
    sx, sy = cam.p(6.0, zt + 2, emb_top)
    s = cam.px(1.0, zt + 2)
    d.rectangle([sx - 3 * s, sy - 2.2 * s, sx + 1.5 * s, sy - 0.6 * s], fill=(178, 70, 48))
    d.rectangle([sx - 3 * s, sy - 2.2 * s, sx + 1.5 * s, sy - 1.9 * s], fill=(140, 52, 36))
    d.rectangle([sx + 1.5 * s, sy - 2.6 * s, sx + 3.2 * s, sy - 0.6 * s], fill=(64, 110, 160))
    d.rectangle([sx + 2.1 * s, sy - 2.4 * s, sx + 3.0 * s, sy - 1.7 * s], fill=(150, 180, 200))
    for wx in (-2.2, 0.6, 2.4):
        d.ellipse([sx + (wx - 0.45) * s, sy - 0.9 * s, sx + (wx + 0.45) * s, sy], fill=(40, 40, 40))
    # Culvert mouth where the canal runs into the embankment.
    cw0, cw1 = cam.p(CL + 1.0, ZCUT, CE), cam.p(CR - 1.0, ZCUT, CE)
    r = (cw1[0] - cw0[0]) / 2
    d.ellipse([cw0[0] - r * 0.1, cw0[1] - 1.5 * r, cw1[0] + r * 0.1, cw0[1] + 0.4 * r], fill=(156, 152, 144))
    d.ellipse([cw0[0] + r * 0.1, cw0[1] - 1.3 * r, cw1[0] - r * 0.1, cw0[1] + 0.2 * r], fill=(34, 32, 30))

    # Construction hoarding: blue panels with white bands, up to the canal bank.
    fh = 2.3
    x, i = -150.0, 0
    while x < BL - 0.3:
        x1 = min(BL - 0.3, x + 2.0)
        c = (52, 104, 172) if i % 2 == 0 else (58, 112, 180)
        d.polygon(cam.poly([(x, ZF, 0.0), (x1, ZF, 0.0), (x1, ZF, fh), (x, ZF, fh)]), fill=c)
        d.polygon(cam.poly([(x, ZF, fh - 0.3), (x1, ZF, fh - 0.3), (x1, ZF, fh), (x, ZF, fh)]),
                  fill=(236, 238, 240))
        d.polygon(cam.poly([(x, ZF, 0.0), (x1, ZF, 0.0), (x1, ZF, 0.25), (x, ZF, 0.25)]),
                  fill=(226, 228, 230))
        for k in range(1, 8):  # corrugation ribs
            xr = x + (x1 - x) * k / 8
            d.line([cam.p(xr, ZF, 0.25), cam.p(xr, ZF, fh - 0.3)], fill=(44, 90, 152), width=1)
        d.line([cam.p(x, ZF, 0.0), cam.p(x, ZF, fh)], fill=(150, 156, 166), width=2)
        x, i = x1, i + 1

    # Canal: water and the far (right) bank, which faces the viewer. The near
    # bank's slope faces away and is hidden by the ground strip drawn next.
    water = cam.poly([(CL, zn, CE), (CL, ZCUT, CE), (CR, ZCUT, CE), (CR, zn, CE)])
    fill_gradient_poly(img, water, [(0, (160, 176, 170)), (0.3, (112, 140, 134)), (1, (60, 88, 82))],
                       cam.p(0, ZCUT, CE)[1], H)
    wmask = Image.new("L", (W, H), 0)
    ImageDraw.Draw(wmask).polygon(water, fill=255)
    water_ripples(img, rng, cam, wmask, CE, 1200, (214, 224, 222), (52, 76, 70), stretch=1.1)
    rb = cam.poly([(CR, zn, CE), (CR, ZCUT, CE), (BR, ZCUT, 0.0), (BR, zn, 0.0)])
    fill_gradient_poly(img, rb, [(0, (150, 156, 104)), (1, (116, 146, 70))], cam.hy, H)
    strip = cam.quad(RL - 1.2, BL, zn, ZCUT)
    fill_gradient_poly(img, strip, [(0, (150, 160, 108)), (1, (104, 140, 62))], cam.hy, H)
    d.line([cam.p(BL, zn, 0.0), cam.p(BL, ZCUT, 0.0)], fill=(80, 96, 60), width=2)

    banks = Image.new("L", (W, H), 0)
    bk = ImageDraw.Draw(banks)
    bk.polygon(rb, fill=1)
    bk.polygon(strip, fill=2)
    bank_px = banks.load()
    slope_grass = [(86, 124, 52), (108, 146, 62), (132, 160, 74), (150, 156, 92)]
    verge_grass = [(84, 126, 50), (108, 150, 60), (134, 170, 74), (156, 176, 96)]

    def bank_color(x, z, sx, sy, u):
        if z > ZCUT:
            return None
        side = bank_px[int(sx), min(H - 1, int(sy))]
        if side == 1:
            return slope_grass[int(u * 4)]
        if side == 2 and not (RL - 0.05 < x < RR + 0.05):
            return verge_grass[int(u * 4)]
        return None
    scatter_strokes(img, cam, rng, bank_color, cam.hy + 1, H, blade=0.22, density=1.0, max_len=34)

    # The concrete village road, up to the works.
    road = cam.quad(RL, RR, zn, ZF, 0.02)
    fill_gradient_poly(img, road, [(0, (194, 192, 184)), (1, (172, 170, 162))], cam.p(0, ZF)[1], H)
    for z0 in range(4, int(ZF), 4):  # joints between the slabs
        d.line([cam.p(RL, z0, 0.02), cam.p(RR, z0, 0.02)], fill=(146, 144, 138), width=1)
    d.line([cam.p(0.1, zn, 0.02), cam.p(0.1, ZF, 0.02)], fill=(158, 156, 150), width=1)
    for _ in range(30):  # cracks
        z = 3 + (ZF - 4) * rng.random()
        x = RL + (RR - RL) * rng.random()
        pts = [cam.p(x, z, 0.02)]
        for _ in range(4):
            x += (rng.random() - 0.5) * 0.5
            z += (rng.random() - 0.3) * 0.6
            pts.append(cam.p(x, z, 0.02))
        d.line(pts, fill=(136, 134, 128), width=1)
    road_mask = Image.new("L", (W, H), 0)
    ImageDraw.Draw(road_mask).polygon(road, fill=255)
    img = add_noise(img, rng, 6, scale=2, blur=1.0, mask=road_mask)
    d = ImageDraw.Draw(img)
    # Tyre-borne mud smeared on the road near the works.
    mud = Image.new("RGBA", (W, H), (150, 116, 78, 0))
    md = ImageDraw.Draw(mud)
    for xt in (-1.25, -0.45, 0.8, 1.6):  # tyre tracks of the lorries
        z = 3.0
        while z < ZM - 1:
            a = int((20 + 90 * z / ZM) * (0.6 + 0.4 * rng.random()))
            md.polygon(cam.quad(xt - 0.1, xt + 0.1, z, z + 0.5, 0.02), fill=(134, 104, 72, a))
            z += 0.5
    for _ in range(160):  # clods dropped on the road
        z = 5 + (ZM - 5) * rng.random() ** 0.5
        x = RL + (RR - RL) * rng.random()
        sx, sy = cam.p(x, z, 0.02)
        r = cam.px(0.03 + 0.05 * rng.random(), z)
        md.ellipse([sx - r, sy - r * 0.5, sx + r, sy + r * 0.5],
                   fill=shade((132, 100, 68), 0.8 + 0.4 * rng.random()) + (230,))
    paste_layer(img, mud, blur=0.8)

    # Dirt mound across the road.
    n = 48
    prof = []
    for k in range(n + 1):
        t = k / n
        x = -8.0 + 12.5 * t
        hgt = 2.4 * math.sin(math.pi * t) ** 0.7 + 0.22 * math.sin(t * 23) + 0.12 * (rng.random() - 0.5)
        prof.append((x, max(0.0, hgt)))
    mound = ([cam.p(x, ZM + 1.5 * math.sin(math.pi * i / n), e) for i, (x, e) in enumerate(prof)]
             + [cam.p(4.5, ZM - 0.8, 0.0), cam.p(-8.0, ZM - 0.8, 0.0)])
    ytop = min(p[1] for p in mound)
    fill_gradient_poly(img, mound, [(0, (188, 146, 98)), (0.6, (152, 112, 74)), (1, (122, 88, 58))],
                       ytop, cam.p(0, ZM - 0.8)[1])
    mmask = Image.new("L", (W, H), 0)
    ImageDraw.Draw(mmask).polygon(mound, fill=255)
    clods = Image.new("RGBA", (W, H), (150, 112, 74, 0))
    cd = ImageDraw.Draw(clods)
    bb = poly_bbox(mound, (W, H))
    for _ in range(1800):
        sx = bb[0] + (bb[2] - bb[0]) * rng.random()
        sy = bb[1] + (bb[3] - bb[1]) * rng.random()
        r = 1.5 + 5 * rng.random()
        c = (210, 174, 124) if rng.random() < 0.45 else (92, 66, 46)
        cd.ellipse([sx - r, sy - r * 0.7, sx + r, sy + r * 0.7], fill=c + (150,))
    clods.putalpha(ImageChops.multiply(clods.getchannel("A"), mmask))
    paste_layer(img, clods, blur=0.5)
    d = ImageDraw.Draw(img)

    # Water-filled plastic barriers, orange and white, across road and verge.
    x, i = -4.5, 0
    while x < BL - 0.4:
        x1 = x + 1.4
        col = (236, 110, 30) if i % 2 == 0 else (240, 238, 232)
        bh = 0.8
        d.polygon(cam.poly([(x + 0.12, ZB, bh), (x1 - 0.12, ZB, bh), (x1 - 0.12, ZB + 0.4, bh),
                            (x + 0.12, ZB + 0.4, bh)]), fill=shade(col, 1.05))
        d.polygon(cam.poly([(x, ZB, 0.0), (x1, ZB, 0.0), (x1 - 0.12, ZB, bh), (x + 0.12, ZB, bh)]), fill=col)
        d.line([cam.p(x + 0.2, ZB, 0.45), cam.p(x1 - 0.2, ZB, 0.45)], fill=shade(col, 0.85), width=2)
        d.polygon(cam.poly([(x, ZB, 0.0), (x1, ZB, 0.0), (x1, ZB, 0.08), (x, ZB, 0.08)]), fill=shade(col, 0.7))
        x, i = x1 + 0.03, i + 1

    # A striped barrier board on trestles, in front of the plastic barriers.
    xa, xb = -1.9, 2.1
    for xl in (xa + 0.25, xb - 0.25):
        for dz in (-0.35, 0.35):
            d.line([cam.p(xl, ZS + dz, 0.0), cam.p(xl, ZS, 1.05)], fill=(70, 70, 70),
                   width=max(2, int(cam.px(0.05, ZS))))
    board = cam.poly([(xa, ZS, 0.78), (xb, ZS, 0.78), (xb, ZS, 1.05), (xa, ZS, 1.05)])
    bmask = Image.new("L", (W, H), 0)
    ImageDraw.Draw(bmask).polygon(board, fill=255)
    stripes = Image.new("RGB", (W, H), (246, 246, 240))
    sd = ImageDraw.Draw(stripes)
    p0, p1 = cam.p(xa, ZS, 0.78), cam.p(xb, ZS, 1.05)
    step = cam.px(0.34, ZS)
    hgt = p0[1] - p1[1]
    k = p0[0] - hgt
    while k < p1[0] + hgt:
        sd.polygon([(k, p0[1]), (k + step / 2, p0[1]), (k + step / 2 + hgt, p1[1]), (k + hgt, p1[1])],
                   fill=(232, 96, 24))
        k += step
    img.paste(stripes, (0, 0), bmask)
    d.line([cam.p(xa, ZS, 0.78), cam.p(xb, ZS, 0.78)], fill=(150, 150, 146), width=2)
    for xl in (xa + 0.1, xb - 0.1):  # warning lamps
        sx, sy = cam.p(xl, ZS, 1.14)
        r = cam.px(0.08, ZS)
        d.rectangle([sx - r * 0.3, sy, sx + r * 0.3, sy + r * 1.2], fill=(60, 60, 60))
        d.ellipse([sx - r, sy - r, sx + r, sy + r], fill=(255, 204, 40))
    # "No entry" sign: a red disc with a white bar (no lettering).
    sx, sy = cam.p(RR + 0.6, ZS - 0.6, 0.0)
    top_y = cam.p(RR + 0.6, ZS - 0.6, 2.1)[1]
    d.line([(sx, sy), (sx, top_y)], fill=(120, 124, 128), width=max(2, int(cam.px(0.06, ZS))))
    r = cam.px(0.36, ZS)
    d.ellipse([sx - r * 1.06, top_y - r * 1.06, sx + r * 1.06, top_y + r * 1.06], fill=(240, 240, 240))
    d.ellipse([sx - r, top_y - r, sx + r, top_y + r], fill=(204, 30, 36))
    d.rectangle([sx - r * 0.68, top_y - r * 0.17, sx + r * 0.68, top_y + r * 0.17], fill=(250, 250, 250))
    # Traffic cones in front.
    for x in (-1.3, 0.2, 1.7):
        z = 8.5 + 0.6 * rng.random()
        b0, b1 = cam.p(x - 0.2, z), cam.p(x + 0.2, z)
        tp = cam.p(x, z, 0.72)
        s = cam.px(1.0, z)
        d.ellipse([b0[0] - 0.25 * s, b0[1] - 0.06 * s, b1[0] + 0.1 * s, b0[1] + 0.06 * s], fill=(120, 118, 110))
        d.rectangle([b0[0] - 0.05 * s, b0[1] - 0.05 * s, b1[0] + 0.05 * s, b0[1]], fill=(40, 40, 40))
        d.polygon([(b0[0], b0[1] - 0.05 * s), (b1[0], b1[1] - 0.05 * s), tp], fill=(240, 96, 26))
        d.polygon([(tp[0], tp[1]), (b1[0], b1[1] - 0.05 * s), (tp[0] + 0.06 * s, b1[1] - 0.05 * s)],
                  fill=(200, 74, 20))
        for lo, hi in ((0.22, 0.32), (0.46, 0.54)):
            ya, yb = b0[1] - lo * s, b0[1] - hi * s
            wa, wb = 0.2 * (1 - lo / 0.72) * s, 0.2 * (1 - hi / 0.72) * s
            d.polygon([(tp[0] - wa, ya), (tp[0] + wa, ya), (tp[0] + wb, yb), (tp[0] - wb, yb)],
                      fill=(244, 244, 240))

    # Trees on the far canal bank and beside the fields.
    for x, z, hgt in ((14.0, 30.0, 11.0), (-13.0, 31.0, 10.0), (-22.0, 26.0, 9.0)):
        sx, sy = cam.p(x, z)
        draw_tree(img, rng, sx, sy, cam.px(hgt, z), kind="poplar")

    # Dust in the air over the works.
    dust = Image.new("RGBA", (W, H), (222, 206, 176, 0))
    dd = ImageDraw.Draw(dust)
    for _ in range(18):
        sx = 150 + 1100 * rng.random()
        sy = cam.hy - 60 + 110 * rng.random()
        r = 60 + 120 * rng.random()
        dd.ellipse([sx - r, sy - r * 0.4, sx + r, sy + r * 0.4], fill=(222, 206, 176, 45))
    paste_layer(img, dust, blur=30)

    return finish(img, rng)


# ---------------------------------------------------------------------------
# 3 and 4. The ditch before and after it was rebuilt
# ---------------------------------------------------------------------------

DITCH_SIZE = (1600, 1067)


def ditch_camera():
    return Camera(DITCH_SIZE, horizon=430, focal=1150, height=1.6, cx=790)


def ditch_background(exclude, dry=False):
    """Sky, hills, a village and the fields on both sides of the ditch.

    Both ditch scenes call this; each part has its own fixed seed, so the
    two pictures share the same background and fields.
    """
    W, H = DITCH_SIZE
    cam = ditch_camera()
    img = Image.new("RGB", (W, H))
    haze_col = (208, 220, 222)

    def part(k):
        return random.Random(SEED * 100 + k)
    draw_sky(img, cam.hy, (60, 120, 198), (116, 168, 222), (202, 222, 232), sun=(1380, 80, 320))
    draw_clouds(img, part(1), [(260, 150, 420, 120), (880, 90, 320, 80), (1300, 230, 460, 120),
                               (560, 350, 300, 50)])
    draw_hills(img, part(2), cam.hy, [((146, 172, 190), haze_col, 52, 30, 160),
                                      ((118, 150, 146), haze_col, 22, 16, 100)])
    paddies = Paddies(part(3), plot_w=15.0, plot_d=24.0, x_off=1.9, z_off=4.0, yellow=0.12 if dry else 0.0)
    draw_fields(img, cam, part(4), paddies, exclude, haze_col, near_col=(72, 128, 48), far_col=(124, 160, 88))
    draw_tree_line(img, part(5), cam, 240, -260, 260, haze_col, spacing=11, haze=0.5)
    draw_village(img, part(6), cam, [(-60, 170), (45, 200), (140, 190)], haze_col)
    draw_tree_line(img, part(7), cam, 120, -40, -10, haze_col, spacing=9, haze=0.3)
    draw_tree_line(img, part(8), cam, 110, 16, 50, haze_col, spacing=9, haze=0.3)
    return img, cam


def draw_canal_before(rng):
    W, H = DITCH_SIZE

    def edges(z):
        """Wobbly top edges of the old ditch."""
        wob = 0.22 * math.sin(z * 0.37) + 0.12 * math.sin(z * 1.13 + 1.0)
        return -1.05 + wob, 1.0 + 0.2 * math.sin(z * 0.29 + 2.0) + 0.1 * math.sin(z * 0.9)

    def exclude(x, z):
        a, b = edges(z)
        return a - 0.6 < x < b + 0.6

    img, cam = ditch_background(exclude, dry=True)
    d = ImageDraw.Draw(img)
    zn, zf = 2.2, 700.0
    # Grassy verge along the ditch.
    verge = band_poly(cam, lambda z: (edges(z)[0] - 0.6, edges(z)[1] + 0.6), zn, zf, 0.0, steps=160)
    fill_gradient_poly(img, verge, [(0, (150, 160, 110)), (1, (118, 134, 72))], cam.hy, H)
    # The ditch: earthen banks sloping to a silted, uneven bottom.
    outer = band_poly(cam, edges, zn, zf, 0.0, steps=160)
    fill_gradient_poly(img, outer, [(0, (150, 130, 100)), (1, (120, 96, 70))], cam.hy, H)

    def bottom(z):
        a, b = edges(z)
        m = (a + b) / 2
        return m - 0.35 - 0.1 * math.sin(z * 0.7), m + 0.3 + 0.1 * math.sin(z * 0.5)
    bot = band_poly(cam, bottom, zn, zf, -0.35, steps=160)
    fill_gradient_poly(img, bot, [(0, (140, 124, 92)), (0.4, (112, 96, 68)), (1, (96, 80, 56))], cam.hy, H)
    # Shaded left bank face (the sun is on the right).
    left_face = (band_poly(cam, lambda z: (edges(z)[0], edges(z)[0] + 0.02), zn, zf, 0.0, steps=160)[:161]
                 + list(reversed(band_poly(cam, lambda z: (bottom(z)[0], bottom(z)[0] + 0.02), zn, zf,
                                           -0.35, steps=160)[:161])))
    fill_gradient_poly(img, left_face, [(0, (124, 106, 80)), (1, (92, 74, 54))], cam.hy, H)

    # Puddles of murky, green water in the silt.
    wl = Image.new("RGBA", (W, H), (0, 0, 0, 0))
    wd = ImageDraw.Draw(wl)
    z = 3.0
    while z < 160:
        ln = 1.5 + 4 * rng.random()
        a, b = bottom(z)
        m = (a + b) / 2 + (rng.random() - 0.5) * 0.2
        wdt = (b - a) * (0.25 + 0.35 * rng.random())
        pts = []
        for k in range(13):
            t = k / 12
            zz = z + ln * t
            hw = wdt / 2 * math.sin(math.pi * t) ** 0.6 + 0.02
            pts.append(cam.p(m - hw, zz, -0.35))
        for k in range(12, -1, -1):
            t = k / 12
            zz = z + ln * t
            hw = wdt / 2 * math.sin(math.pi * t) ** 0.6 + 0.02
            pts.append(cam.p(m + hw, zz, -0.35))
        c = mix((92, 104, 66), (150, 170, 160), rng.random() * 0.5)
        wd.polygon(pts, fill=c + (235,))
        z += ln + 1 + 5 * rng.random() * (z / 30 + 0.3)
    paste_layer(img, wl, blur=0.8)
    # Algae flecks and rubbish-free silt texture.
    fl = Image.new("RGBA", (W, H), (0, 0, 0, 0))
    fd = ImageDraw.Draw(fl)
    for _ in range(1600):
        sy = cam.hy + 3 + (H - cam.hy) * rng.random() ** 1.5
        z = cam.z_at(sy, -0.35)
        a, b = edges(z)
        x = a + (b - a) * rng.random()
        sx, sy = cam.p(x, z, -0.3)
        r = max(1, cam.px(0.03 + 0.05 * rng.random(), z))
        c = rng.choice([(80, 98, 48), (164, 146, 110), (70, 58, 42), (120, 140, 70)])
        fd.ellipse([sx - r, sy - r * 0.5, sx + r, sy + r * 0.5], fill=c + (120,))
    paste_layer(img, fl)

    # Weeds: dense on the verges and banks, clumps and reeds in the ditch.
    def weed_color(x, z, sx, sy, u):
        a, b = edges(z)
        if a - 0.7 < x < a + 0.25 or b - 0.25 < x < b + 0.7:
            return jitter(rng, rng.choice([(90, 130, 48), (120, 150, 60), (150, 160, 80), (70, 104, 40)]), 18)
        if a < x < b and rng.random() < 0.1:
            return jitter(rng, rng.choice([(104, 138, 56), (140, 150, 72)]), 18)
        return None
    scatter_strokes(img, cam, rng, weed_color, cam.hy + 1, H, blade=0.34, density=1.3, max_len=70)
    # Reeds with seed heads poking up out of the ditch.
    for _ in range(90):
        z = 4 + 60 * rng.random() ** 1.5
        a, b = edges(z)
        x = a + (b - a) * (0.1 + 0.8 * rng.random())
        sx, sy = cam.p(x, z, -0.3)
        hgt = cam.px(0.6 + 0.5 * rng.random(), z)
        lean = (rng.random() - 0.5) * hgt * 0.4
        wdt = max(1, int(cam.px(0.015, z)))
        d.line([(sx, sy), (sx + lean, sy - hgt)], fill=jitter(rng, (120, 130, 64), 14), width=wdt)
        if rng.random() < 0.4:
            r = max(1.2, cam.px(0.025, z))
            d.ellipse([sx + lean - r, sy - hgt - r * 4, sx + lean + r, sy - hgt + r],
                      fill=jitter(rng, (156, 130, 92), 12))
    return finish(img, rng)


def draw_canal_after(rng):
    W, H = DITCH_SIZE
    TOP, BOT, DEPTH, WATER = 1.3, 0.5, 0.9, 0.58   # half widths (m), depth, water depth
    we = -DEPTH + WATER
    ww = BOT + (TOP - BOT) * (WATER / DEPTH)        # half width at the water line

    def exclude(x, z):
        return -TOP - 0.9 < x < TOP + 0.9

    img, cam = ditch_background(exclude)
    d = ImageDraw.Draw(img)
    zn, zf = 2.2, 900.0

    # Trimmed grass strips on both sides.
    strip = cam.quad(-TOP - 0.9, TOP + 0.9, zn, zf)
    fill_gradient_poly(img, strip, [(0, (150, 170, 110)), (1, (112, 150, 70))], cam.hy, H)

    def grass(x, z, sx, sy, u):
        if TOP + 0.2 < abs(x) < TOP + 0.95:
            return jitter(rng, (108, 152, 64), 22)
        return None
    scatter_strokes(img, cam, rng, grass, cam.hy + 1, H, blade=0.12, density=1.0)

    # Concrete channel: sloped side walls, coping on top, bottom under water.
    left_wall = cam.poly([(-TOP, zn, 0.0), (-TOP, zf, 0.0), (-BOT, zf, -DEPTH), (-BOT, zn, -DEPTH)])
    right_wall = cam.poly([(BOT, zn, -DEPTH), (BOT, zf, -DEPTH), (TOP, zf, 0.0), (TOP, zn, 0.0)])
    fill_gradient_poly(img, left_wall, [(0, (196, 196, 190)), (1, (156, 156, 150))], cam.hy, H)
    fill_gradient_poly(img, right_wall, [(0, (224, 222, 214)), (1, (206, 204, 196))], cam.hy, H)
    # Water, reflecting the sky and flowing toward the viewer.
    water = cam.poly([(-ww, zn, we), (-ww, zf, we), (ww, zf, we), (ww, zn, we)])
    fill_gradient_poly(img, water, [(0, (196, 218, 228)), (0.15, (120, 168, 188)), (0.6, (70, 124, 140)),
                                    (1, (48, 98, 110))], cam.hy, H)
    wmask = Image.new("L", (W, H), 0)
    ImageDraw.Draw(wmask).polygon(water, fill=255)
    water_ripples(img, rng, cam, wmask, we, 2200, (220, 236, 242), (44, 88, 100), stretch=0.7, along=True)
    # Wet band on the walls just above the water line.
    for s in (-1, 1):
        x0 = s * ww
        x1 = s * (ww + 0.05)
        band = cam.poly([(x0, zn, we), (x0, zf, we), (x1, zf, we + 0.06), (x1, zn, we + 0.06)])
        d.polygon(band, fill=(138, 140, 132))
    # Expansion joints every 4 m and the coping strips along the top.
    z = 4.0
    while z < 300:
        for x0, x1, e0, e1 in ((-TOP, -ww, 0.0, we), (ww, TOP, we, 0.0)):
            d.line([cam.p(x0, z, e0), cam.p(x1, z, e1)], fill=(130, 130, 126),
                   width=max(1, int(cam.px(0.02, z))))
        z += 4.0
    for s in (-1, 1):
        cop = cam.poly([(s * TOP, zn, 0.04), (s * TOP, zf, 0.04), (s * (TOP + 0.2), zf, 0.04),
                        (s * (TOP + 0.2), zn, 0.04)])
        d.polygon(cop, fill=(232, 230, 222) if s > 0 else (214, 212, 204))
        edge = cam.poly([(s * TOP, zn, 0.04), (s * TOP, zf, 0.04), (s * TOP, zf, -0.02), (s * TOP, zn, -0.02)])
        d.polygon(edge, fill=(170, 170, 164))
    # Concrete texture on the walls: speckle and faint stains.
    tex = Image.new("RGBA", (W, H), (200, 200, 194, 0))
    td = ImageDraw.Draw(tex)
    for _ in range(1800):
        sy = cam.hy + 3 + (H - cam.hy) * rng.random() ** 1.3
        z = cam.z_at(sy, -0.4)
        s = -1 if rng.random() < 0.5 else 1
        t = rng.random()
        x = s * (ww + (TOP - ww) * t)
        e = we + (0.0 - we) * t
        sx, sy = cam.p(x, z, e)
        r = max(0.8, cam.px(0.01 + 0.015 * rng.random(), z))
        c = (160, 160, 154) if rng.random() < 0.6 else (236, 234, 226)
        td.ellipse([sx - r, sy - r * 0.6, sx + r, sy + r * 0.6], fill=c + (90,))
    paste_layer(img, tex)
    return finish(img, rng)


# ---------------------------------------------------------------------------
# 5. The meeting minutes (one A4 page at 150 dpi)
# ---------------------------------------------------------------------------

MINUTES_TITLE = "凉泉乡南干渠道路问题议事会会议纪要"
MINUTES_FIELDS = [
    ("时间：", "2021年7月"),
    ("地点：", "凉泉乡政府会议室"),
    ("召集人：", "乡政协工作召集人"),
    ("参加：", "县政协委员、韩店村和凉泉村群众代表、211省道施工单位代表"),
    ("议题：", "211省道施工拦断南干渠一带道路，两村住户出行受阻"),
]
MINUTES_AGREED_LABEL = "商定事项："
MINUTES_POINTS = [
    ("一、", "在南干渠上新建桥梁一座，连接施工边道；"),
    ("二、", "施工期间保留临时通道，保障群众出行安全；"),
    ("三、", "召集人和委员共同向有关部门争取建设资金；"),
    ("四、", "桥梁建成前，委员每月回访一次，跟进落实情况。"),
]
MINUTES_FOOTER = "本纪要为示例材料，由 bulletin 示例网站绘制。"


def find_cjk_font(bold):
    """Path and face index of Noto Sans CJK SC (regular or bold)."""
    style = "Bold" if bold else "Regular"
    candidates = sorted(glob.glob(f"/usr/share/fonts/**/NotoSansCJK*-{style}.tt[co]", recursive=True))
    candidates += sorted(glob.glob(f"/usr/share/fonts/**/NotoSansCJKsc-{style}.otf", recursive=True))
    if not candidates:
        try:
            out = subprocess.run(["fc-match", "-f", "%{file}", f"Noto Sans CJK SC:style={style}"],
                                 capture_output=True, text=True, check=True).stdout.strip()
            if out:
                candidates.append(out)
        except (OSError, subprocess.CalledProcessError):
            pass
    for path in candidates:
        for index in range(10):
            try:
                font = ImageFont.truetype(path, 20, index=index)
            except OSError:
                break
            if font.getname()[0].endswith(" SC"):
                return path, index
        return path, 0
    raise SystemExit("Noto Sans CJK was not found under /usr/share/fonts; install fonts-noto-cjk")


def wrap_text(draw, text, font, width):
    """Split text into lines no wider than width (CJK text breaks anywhere)."""
    lines, cur = [], ""
    for ch in text:
        if cur and draw.textlength(cur + ch, font=font) > width and ch not in "，。；、：）":
            lines.append(cur)
            cur = ch
        else:
            cur += ch
    if cur:
        lines.append(cur)
    return lines


def draw_minutes():
    W, H = 1240, 1754                 # A4 at 150 dpi
    page = Image.new("L", (W, H), 255)
    d = ImageDraw.Draw(page)
    reg_path, reg_idx = find_cjk_font(False)
    bold_path, bold_idx = find_cjk_font(True)
    title_f = ImageFont.truetype(bold_path, 44, index=bold_idx)
    label_f = ImageFont.truetype(bold_path, 29, index=bold_idx)
    body_f = ImageFont.truetype(reg_path, 29, index=reg_idx)
    small_f = ImageFont.truetype(reg_path, 25, index=reg_idx)
    ink = 20
    left, right = 160, W - 160
    line_h = 58

    # Title, centred, with a double rule below it.
    tw = d.textlength(MINUTES_TITLE, font=title_f)
    d.text(((W - tw) / 2, 200), MINUTES_TITLE, font=title_f, fill=ink)
    d.line([(left, 292), (right, 292)], fill=ink, width=3)
    d.line([(left, 299), (right, 299)], fill=ink, width=1)

    # Labelled lines; a wrapped value hangs under the start of the value.
    y = 360
    value_x = left + d.textlength("召集人：", font=label_f)
    for label, value in MINUTES_FIELDS:
        d.text((left, y), label, font=label_f, fill=ink)
        for line in wrap_text(d, value, body_f, right - value_x):
            d.text((value_x, y), line, font=body_f, fill=ink)
            y += line_h
        y += 6

    # Agreed points, numbered, indented by two characters.
    y += 18
    d.text((left, y), MINUTES_AGREED_LABEL, font=label_f, fill=ink)
    y += line_h + 4
    indent = left + 2 * 29
    for num, text in MINUTES_POINTS:
        d.text((indent, y), num, font=body_f, fill=ink)
        tx = indent + d.textlength(num, font=body_f)
        for line in wrap_text(d, text, body_f, right - tx):
            d.text((tx, y), line, font=body_f, fill=ink)
            y += line_h
        y += 8

    # Signature line at the bottom, right aligned above a thin rule.
    d.line([(left, 1540), (right, 1540)], fill=120, width=1)
    fw = d.textlength(MINUTES_FOOTER, font=small_f)
    d.text((right - fw, 1566), MINUTES_FOOTER, font=small_f, fill=ink)
    return page


# ---------------------------------------------------------------------------

def save_jpeg(img, path):
    img.convert("RGB").save(path, "JPEG", quality=85, optimize=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=DEFAULT_OUT, help=f"output folder (default {DEFAULT_OUT})")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    # Each picture has its own seeded generator, so the pictures do not
    # depend on one another or on the order they are drawn in.
    jobs = [
        ("bridge-new.jpg", draw_bridge_new, 1),
        ("bridge-road-cut.jpg", draw_bridge_road_cut, 2),
        ("canal-before.jpg", draw_canal_before, 3),
        ("canal-after.jpg", draw_canal_after, 4),
    ]
    for name, fn, k in jobs:
        save_jpeg(fn(random.Random(SEED * 10 + k)), out / name)
        print(f"wrote {out / name}")
    # Fixed dates and title, so the PDF bytes do not change between runs.
    stamp = time.strptime("2021-07-15", "%Y-%m-%d")
    draw_minutes().save(out / "minutes.pdf", "PDF", resolution=150, quality=80,
                        title=MINUTES_TITLE, creationDate=stamp, modDate=stamp)
    print(f"wrote {out / 'minutes.pdf'}")


if __name__ == "__main__":
    main()
