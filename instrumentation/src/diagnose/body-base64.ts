/** `body_base64`: the platform handed over the body base64-encoded (API Gateway `isBase64Encoded`, Vercel, Netlify). */
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

export function base64Candidates(bytes: Buffer): Buffer[] {
  if (bytes.length < 8) return [];
  const text = bytes.toString('latin1').replace(/\s+/g, '');
  if (!BASE64.test(text) || text.length % 4 === 1) return [];
  return [Buffer.from(text, 'base64')];
}
