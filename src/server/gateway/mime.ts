/** Content types by extension for what static sites ship. Unknown extensions fall back to sniffing. */
const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8', htm: 'text/html; charset=utf-8', css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8', mjs: 'text/javascript; charset=utf-8', cjs: 'text/javascript; charset=utf-8',
  json: 'application/json', map: 'application/json', webmanifest: 'application/manifest+json',
  txt: 'text/plain; charset=utf-8', md: 'text/markdown; charset=utf-8', csv: 'text/csv; charset=utf-8',
  xml: 'application/xml', rss: 'application/rss+xml', atom: 'application/atom+xml',
  svg: 'image/svg+xml', png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp',
  avif: 'image/avif', ico: 'image/vnd.microsoft.icon', bmp: 'image/bmp',
  woff: 'font/woff', woff2: 'font/woff2', ttf: 'font/ttf', otf: 'font/otf', eot: 'application/vnd.ms-fontobject',
  mp4: 'video/mp4', webm: 'video/webm', ogv: 'video/ogg', mp3: 'audio/mpeg', ogg: 'audio/ogg', wav: 'audio/wav', flac: 'audio/flac',
  pdf: 'application/pdf', zip: 'application/zip', gz: 'application/gzip', tar: 'application/x-tar',
  wasm: 'application/wasm', car: 'application/vnd.ipld.car', txtar: 'text/plain; charset=utf-8'
}

export function typeByName (name: string): string | undefined {
  const dot = name.lastIndexOf('.')
  if (dot < 0) return undefined
  return TYPES[name.slice(dot + 1).toLowerCase()]
}

/** Guess from the first bytes when the name says nothing (a bare file CID). */
export function sniffType (head: Uint8Array): string {
  const b = Buffer.from(head.buffer, head.byteOffset, Math.min(head.byteLength, 512))
  if (b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png'
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg'
  if (b.subarray(0, 4).toString('latin1') === 'GIF8') return 'image/gif'
  if (b.subarray(0, 5).toString('latin1') === '%PDF-') return 'application/pdf'
  if (b.subarray(0, 4).equals(Buffer.from([0x00, 0x61, 0x73, 0x6d]))) return 'application/wasm'
  // stream mode: a character cut at the 512-byte boundary is held back, not turned into U+FFFD
  const text = new TextDecoder('utf-8').decode(b, { stream: true })
  if (/^\s*<(!doctype html|html|head|body)/i.test(text)) return 'text/html; charset=utf-8'
  if (/^\s*<svg[\s>]/i.test(text)) return 'image/svg+xml'
  // valid UTF-8 without control bytes reads as text
  if (!text.includes('\uFFFD') && !/[\x00-\x08\x0e-\x1f]/.test(text)) return 'text/plain; charset=utf-8'
  return 'application/octet-stream'
}
