import { useState } from "react";
import { Button, FileTrigger, Form } from "react-aria-components";

import { api, ok, type Schemas } from "../api/client";
import { Problem } from "../app/Problem";
import { submitted, useAction } from "../app/useAction";

/** An OpenStax book (its CNXML zip) imported as a course: chapters, sections, exercises. */
export function ImportBook({ onImported }: { onImported: (courseId: string) => void }) {
  const [file, setFile] = useState<File | null>(null);
  const [books, setBooks] = useState<Schemas["ImportSummary"][]>([]);
  const send = useAction(async () => {
    if (!file) throw new Error("Choose the book's zip first.");
    const body = new FormData();
    body.set("file", file);
    const imported = await ok(
      await api.POST("/api/v1/curricula/import", {
        body: body as unknown as Schemas["Body_import_openstax_api_v1_curricula_import_post"],
        bodySerializer: (data) => data as unknown as FormData,
      }),
    );
    setBooks(imported);
    if (imported.length > 0) onImported(imported[0].course_id);
  });
  return (
    <Form className="narrow" onSubmit={submitted(send.run)} aria-label="Import an OpenStax book">
      <h2>Import an OpenStax book</h2>
      <FileTrigger
        acceptedFileTypes={[".zip", "application/zip"]}
        onSelect={(files) => setFile(files?.[0] ?? null)}
      >
        <Button>Choose the book's zip</Button>
      </FileTrigger>
      <p className="muted">{file ? file.name : "The book's CNXML source, zipped."}</p>
      <Problem error={send.error} />
      {books.map((book) => (
        <p role="status" key={book.course_id}>
          {book.created ? "Imported" : "Updated"} “{book.title}”: {book.chapters} chapters,{" "}
          {book.lessons} lessons, {book.exercises} exercises.
        </p>
      ))}
      <Button type="submit" isDisabled={send.busy}>
        Import
      </Button>
    </Form>
  );
}
