import {
  Button,
  type Key,
  Label,
  ListBox,
  ListBoxItem,
  Popover,
  Select,
  SelectValue,
} from "react-aria-components";

type ChoiceProps = {
  name: string;
  label: string;
  options: readonly (readonly [string, string])[]; // [value, what the person reads]
  isRequired?: boolean;
  defaultSelectedKey?: string;
  selectedKey?: string;
  onSelectionChange?: (key: string) => void;
};

/** One choice among a few, labelled, sent with its form under `name` (React Aria's Select).
 * Disabled while it has no options (still loading, or none exist): React Aria does not open an
 * empty Select, so a click there would do nothing and say nothing. */
export function Choice({ label, options, onSelectionChange, ...props }: ChoiceProps) {
  return (
    <Select
      {...props}
      isDisabled={options.length === 0}
      placeholder="Choose…"
      onSelectionChange={(key: Key | null) => key !== null && onSelectionChange?.(String(key))}
    >
      <Label>{label}</Label>
      <Button>
        <SelectValue />
        <span aria-hidden="true"> ▾</span>
      </Button>
      <Popover>
        <ListBox>
          {options.map(([value, text]) => (
            <ListBoxItem key={value} id={value}>
              {text}
            </ListBoxItem>
          ))}
        </ListBox>
      </Popover>
    </Select>
  );
}
