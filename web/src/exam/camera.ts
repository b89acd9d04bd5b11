/** The webcam: opened for the exam, and one still of it as an enrolment photo. */

export async function openCamera(): Promise<MediaStream> {
  if (!navigator.mediaDevices?.getUserMedia) {
    throw new Error("This browser cannot use a camera here (open the platform over HTTPS).");
  }
  try {
    return await navigator.mediaDevices.getUserMedia({ video: true, audio: false });
  } catch (error) {
    const name = error instanceof DOMException ? error.name : "";
    throw new Error(
      name === "NotAllowedError"
        ? "The camera was not allowed: allow it in the browser's site settings, then try again."
        : "No camera could be opened. Plug one in or close the application using it.",
    );
  }
}

/** The frame the preview shows now, as a JPEG. */
export async function still(video: HTMLVideoElement): Promise<Blob> {
  const canvas = document.createElement("canvas");
  canvas.width = video.videoWidth;
  canvas.height = video.videoHeight;
  canvas.getContext("2d")!.drawImage(video, 0, 0);
  return new Promise((resolve, reject) =>
    canvas.toBlob(
      (blob) => (blob ? resolve(blob) : reject(new Error("No picture"))),
      "image/jpeg",
      0.92,
    ),
  );
}
