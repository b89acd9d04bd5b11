import { useState } from "react";
import { Button, Checkbox, FileTrigger, Form } from "react-aria-components";

import { api, ok, type Schemas } from "../api/client";
import { Problem } from "../app/Problem";
import { submitted, useAction } from "../app/useAction";

type Report = Schemas["RosterImport"];

function ImportReport({ report }: { report: Report }) {
  return (
    <div role="status">
      <p>
        {report.added.length} enrolled, {report.already_enrolled} already in the class
        {report.removed.length > 0 && `, ${report.removed.length} removed`}.
      </p>
      {report.errors.length > 0 && (
        <table>
          <caption>Rows not imported</caption>
          <thead>
            <tr>
              <th scope="col">Row</th>
              <th scope="col">E-mail</th>
              <th scope="col">Why</th>
            </tr>
          </thead>
          <tbody>
            {report.errors.map((error) => (
              <tr key={error.row}>
                <td>{error.row}</td>
                <td>{error.email}</td>
                <td>{error.message}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

/** A class roster from a school's CSV export (an "email" column): the rows that could not be
 * enrolled come back one by one; the same file again changes nothing. */
export function RosterImport({ classId, onChange }: { classId: string; onChange: () => void }) {
  const [file, setFile] = useState<File | null>(null);
  const [report, setReport] = useState<Report | null>(null);
  const send = useAction(async (form: FormData) => {
    if (!file) throw new Error("Choose the roster's CSV file first.");
    const body = new FormData();
    body.set("file", file);
    const imported = await ok(
      await api.POST("/api/v1/classes/{class_id}/roster", {
        params: { path: { class_id: classId }, query: { replace: form.has("replace") } },
        body: body as unknown as Schemas["Body_import_roster_api_v1_classes__class_id__roster_post"],
        bodySerializer: (data) => data as unknown as FormData,
      }),
    );
    setReport(imported);
    onChange();
  });
  return (
    <Form onSubmit={submitted(send.run)} aria-label="Import a roster">
      <h3>Import a roster</h3>
      <FileTrigger
        acceptedFileTypes={[".csv", "text/csv"]}
        onSelect={(files) => setFile(files?.[0] ?? null)}
      >
        <Button>Choose a CSV file</Button>
      </FileTrigger>
      <p className="muted">
        {file
          ? file.name
          : "UTF-8, a header row with an “email” column; other columns are ignored."}
      </p>
      <Checkbox name="replace">Also remove learners the file does not list</Checkbox>
      <Problem error={send.error} />
      {report && <ImportReport report={report} />}
      <Button type="submit" isDisabled={send.busy}>
        Import
      </Button>
    </Form>
  );
}
