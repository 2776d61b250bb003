// lz4js 0.2.0 ships no types; the part quiver uses (src/io/ipc-codecs.ts).
declare module 'lz4js' {
  /** Decodes one LZ4 block `src[sIndex, sIndex + sLength)` into `dst` from `dIndex`; returns the end in `dst`. */
  export function decompressBlock(src: Uint8Array, dst: Uint8Array, sIndex: number, sLength: number, dIndex: number): number;
  const lz4: { decompressBlock: typeof decompressBlock };
  export default lz4;
}
