import { useState } from "react";
import {
  Button,
  FileTrigger,
  Form,
  Input,
  Label,
  TextArea,
  TextField,
} from "react-aria-components";
import { useNavigate } from "react-router";

import { api, ok, type Schemas } from "../api/client";
import { Choice } from "../app/Choice";
import { contentJobPath } from "../app/paths";
import { Problem } from "../app/Problem";
import { submitted, useAction } from "../app/useAction";
import { useLoad } from "../app/useLoad";
import { parseTopics } from "./topics";

type Source = "typed" | "file" | "weak";
const SOURCES: [Source, string][] = [
  ["typed", "topics I type"],
  ["file", "a topics file (.csv or .jsonl)"],
  ["weak", "a class's weakest objectives"],
];

async function submitJob(
  courseId: string,
  source: Source,
  form: FormData,
  file: File | null,
): Promise<Schemas["JobOut"]> {
  if (source === "file") {
    if (!file) throw new Error("Choose a topics file first.");
    const body = new FormData();
    body.set("course_id", courseId);
    body.set("file", file);
    const sent = await api.POST("/api/v1/content/jobs/file", {
      body: body as unknown as Schemas["Body_create_job_from_file_api_v1_content_jobs_file_post"],
      bodySerializer: (data) => data as unknown as FormData,
    });
    return ok(sent);
  }
  const request: Schemas["JobCreate"] =
    source === "typed"
      ? { course_id: courseId, topics: parseTopics(String(form.get("topics"))) }
      : {
          course_id: courseId,
          weak_objectives_of_class: {
            class_id: String(form.get("class_id")),
            count: Number(form.get("count")),
          },
        };
  return ok(await api.POST("/api/v1/content/jobs", { body: request }));
}

/** A generation job for a course: typed topics, a file of them, or a class's weak objectives. */
export function JobForm({ courseId }: { courseId: string }) {
  const navigate = useNavigate();
  const [source, setSource] = useState<Source>("typed");
  const [file, setFile] = useState<File | null>(null);
  const classes = useLoad(async () => ok(await api.GET("/api/v1/classes")), []);
  const submit = useAction(async (form: FormData) => {
    navigate(contentJobPath((await submitJob(courseId, source, form, file)).id));
  });
  return (
    <Form className="narrow" onSubmit={submitted(submit.run)} aria-label="New generation job">
      <h2>Generate lessons, items and hints</h2>
      <Choice
        name="source"
        label="From"
        options={SOURCES}
        selectedKey={source}
        onSelectionChange={(key) => setSource(key as Source)}
      />
      {source === "typed" && (
        <TextField name="topics" isRequired>
          <Label>Topics, one per line (objectives after a |)</Label>
          <TextArea rows={6} placeholder="Loops | Write a for loop | Use range" />
        </TextField>
      )}
      {source === "file" && (
        <div>
          <FileTrigger
            acceptedFileTypes={[".csv", ".jsonl", "text/csv", "application/jsonl"]}
            onSelect={(files) => setFile(files?.[0] ?? null)}
          >
            <Button>Choose a topics file</Button>
          </FileTrigger>
          <p className="muted">{file ? file.name : "A .csv with a 'topic' column, or .jsonl."}</p>
        </div>
      )}
      {source === "weak" && (
        <>
          <Choice
            name="class_id"
            label="Class"
            isRequired
            options={(classes.data ?? []).map((c) => [c.id, c.name] as const)}
          />
          <TextField name="count" type="number" defaultValue="5" isRequired>
            <Label>How many objectives</Label>
            <Input min={1} max={50} />
          </TextField>
        </>
      )}
      <Problem error={submit.error} />
      <Button type="submit" isDisabled={submit.busy}>
        Start the job
      </Button>
    </Form>
  );
}
