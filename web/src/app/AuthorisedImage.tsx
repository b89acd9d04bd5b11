import { useEffect, useState } from "react";

import { authorisedFetch } from "../api/client";
import { Problem } from "./Problem";

/** An image the API serves only with the session's bearer token (an <img src> cannot send it):
 * fetched, shown from a blob URL, the URL released when the image leaves the page. */
export function AuthorisedImage({ path, alt }: { path: string; alt: string }) {
  const [url, setUrl] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let shown: string | null = null;
    let current = true;
    void (async () => {
      try {
        const response = await authorisedFetch(path);
        const blobUrl = URL.createObjectURL(await response.blob());
        if (current) setUrl((shown = blobUrl));
        else URL.revokeObjectURL(blobUrl);
      } catch (failure) {
        if (current) setError(failure);
      }
    })();
    return () => {
      current = false;
      if (shown) URL.revokeObjectURL(shown);
    };
  }, [path]);
  if (error) return <Problem error={error} />;
  return url ? <img src={url} alt={alt} /> : <span role="status">Loading {alt}…</span>;
}
