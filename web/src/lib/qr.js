// QR codes: drawn with qrcode-generator (byte mode, exact bytes), read with jsQR from a camera
// frame or a picture. Both are pinned npm packages copied into vendor/ by the build.

import qrcode from '../vendor/qrcode.mjs';

/**
 * A QR code holding `bytes` (error correction L, like the CLI's), drawn for this screen: whole
 * device pixels per module, so a camera (or a screenshot) sees crisp, even modules.
 * Returns `{url, version, cssWidth}`; give the <img> that width.
 */
export function qrDataUrl(bytes, cssWidth = 300) {
  const code = qrcode(0, 'L');
  code.addData(String.fromCharCode(...bytes), 'Byte'); // one char per byte: the bytes as they are
  code.make();
  const modules = code.getModuleCount() + 8; // four modules of quiet zone each side
  const ratio = globalThis.devicePixelRatio || 1;
  const cell = Math.max(1, Math.floor((cssWidth * ratio) / modules));
  // The margin argument is in pixels.
  const url = code.createDataURL(cell, 4 * cell);
  return { url, version: (code.getModuleCount() - 17) / 4, cssWidth: (modules * cell) / ratio };
}

/** Show a QR code of `bytes` in an <img>. */
export function showQr(img, bytes, cssWidth = 300) {
  const room = img.parentElement?.clientWidth ?? 0; // never scaled down by the layout afterwards
  const qr = qrDataUrl(bytes, room > 0 ? Math.min(cssWidth, room) : cssWidth);
  img.src = qr.url;
  img.style.width = `${qr.cssWidth}px`;
  return qr;
}

let jsQR = null;
function loadJsQR() {
  if (globalThis.jsQR) return Promise.resolve(globalThis.jsQR);
  jsQR ??= new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = new URL('../vendor/jsQR.js', import.meta.url).href;
    script.onload = () => resolve(globalThis.jsQR);
    script.onerror = () => reject(new Error('the QR reader could not be loaded'));
    document.head.append(script);
  });
  return jsQR;
}

/** The bytes of the QR code in an ImageData, or null. */
export async function readQr(image) {
  const read = await loadJsQR();
  const found = read(image.data, image.width, image.height, { inversionAttempts: 'attemptBoth' });
  return found ? new Uint8Array(found.binaryData) : null;
}

/** The bytes of a QR code in a picture file (a photo or a screenshot), or null. */
export async function readQrFile(file) {
  const bitmap = await createImageBitmap(file);
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const context = canvas.getContext('2d');
  context.drawImage(bitmap, 0, 0);
  return readQr(context.getImageData(0, 0, bitmap.width, bitmap.height));
}

/** Scan with the camera into `video` until a code is read or `signal` aborts. */
export async function scanCamera(video, signal) {
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } });
  video.srcObject = stream;
  await video.play();
  const canvas = document.createElement('canvas');
  const context = canvas.getContext('2d', { willReadFrequently: true });
  try {
    while (!signal.aborted) {
      await new Promise((r) => setTimeout(r, 150));
      if (!video.videoWidth) continue;
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      context.drawImage(video, 0, 0);
      const bytes = await readQr(context.getImageData(0, 0, canvas.width, canvas.height));
      if (bytes) return bytes;
    }
    return null;
  } finally {
    stream.getTracks().forEach((t) => t.stop());
    video.srcObject = null;
  }
}
