// Labelled inputs with their error messages, and validation in the browser with the same schema the
// action uses on the server (the server still decides; this only saves a round trip).
import { useState, type FormEvent } from 'react';
import type { z } from 'zod';
import { fieldErrors, formObject, type FieldErrors } from './forms.ts';

export function useFormSchema(schema: z.ZodType, serverErrors: FieldErrors | undefined) {
  const [clientErrors, setClientErrors] = useState<FieldErrors | undefined>();
  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    const result = schema.safeParse(formObject(new FormData(event.currentTarget)));
    if (result.success) {
      setClientErrors(undefined);
      return;
    }
    event.preventDefault();
    setClientErrors(fieldErrors(result.error));
  };
  return { errors: clientErrors ?? serverErrors ?? {}, onSubmit };
}

export function Field(props: {
  name: string;
  label: string;
  type?: string;
  autoComplete?: string;
  defaultValue?: string;
  hint?: string;
  inputMode?: 'numeric' | 'decimal' | 'text' | 'search';
  /** Several forms on one page: keeps their inputs' ids apart. */
  idPrefix?: string;
  required?: boolean;
  error: string | undefined;
}) {
  const id = `${props.idPrefix ?? 'field'}-${props.name}`;
  const described = [props.hint ? `${id}-hint` : '', props.error ? `${id}-error` : '']
    .filter(Boolean)
    .join(' ');
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <input
        id={id}
        name={props.name}
        type={props.type ?? 'text'}
        autoComplete={props.autoComplete}
        defaultValue={props.defaultValue}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={described || undefined}
        inputMode={props.inputMode}
        required={props.required ?? true}
      />
      {props.hint ? (
        <p className="hint" id={`${id}-hint`}>
          {props.hint}
        </p>
      ) : null}
      {props.error ? (
        <p className="error" id={`${id}-error`}>
          {props.error}
        </p>
      ) : null}
    </div>
  );
}

export function FormError({ message }: { message: string | undefined }) {
  return message ? (
    <p className="error banner" role="alert">
      {message}
    </p>
  ) : null;
}

export function SelectField(props: {
  name: string;
  label: string;
  options: readonly { value: string; label: string }[];
  defaultValue?: string;
  idPrefix?: string;
  error: string | undefined;
}) {
  const id = `${props.idPrefix ?? 'field'}-${props.name}`;
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <select
        id={id}
        name={props.name}
        defaultValue={props.defaultValue}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={props.error ? `${id}-error` : undefined}
      >
        {props.options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
      {props.error ? (
        <p className="error" id={`${id}-error`}>
          {props.error}
        </p>
      ) : null}
    </div>
  );
}
