// subset-font ships no types; this covers the call the gateway makes (its README's signature).
declare module "subset-font" {
  function subsetFont(font: Buffer, text: string, options?: { targetFormat?: "sfnt" | "woff" | "woff2" | "truetype" }): Promise<Buffer>;
  export default subsetFont;
}
