declare module '*.css';
/** Vite's `?url` imports: the URL of the file as built (hashed, served with the app). */
declare module '*?url' {
  const url: string;
  export default url;
}
