import "katex/dist/katex.min.css";

import ReactMarkdown, { type Components } from "react-markdown";
import rehypeKatex from "rehype-katex";
import remarkMath from "remark-math";

import { AuthorisedImage } from "../app/AuthorisedImage";

// A lesson's own files are served by the API with the session's token; other images load as is.
const components: Components = {
  img: ({ src, alt }) =>
    typeof src === "string" && src.startsWith("/api/") ? (
      <AuthorisedImage path={src} alt={alt ?? ""} />
    ) : (
      <img src={typeof src === "string" ? src : undefined} alt={alt ?? ""} />
    ),
};

/** Lesson Markdown with maths (KaTeX) and the lesson's images. */
export default function Markdown({ children }: { children: string }) {
  return (
    <ReactMarkdown
      remarkPlugins={[remarkMath]}
      rehypePlugins={[rehypeKatex]}
      components={components}
    >
      {children}
    </ReactMarkdown>
  );
}
