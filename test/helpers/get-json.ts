// Fetches JSON from a test server. The body is typed loosely on purpose: tests assert its shape.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- assertions, not code, check the shape
export type Json = any;

export async function getJson(url: string): Promise<{ status: number; body: Json }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.json() };
}
