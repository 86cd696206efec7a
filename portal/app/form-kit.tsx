// Labelled inputs with their error messages, validation in the browser with the same schema the
// action uses on the server (the server still decides; this only saves a round trip), and the
// scaffolding every page's forms share: the CSRF field, the action's `intent` and the row's hidden
// values, a one-input row action, and the banner that says an action went through.
import { useState, type ComponentProps, type FormEvent, type ReactNode } from 'react';
import { Form, useNavigation } from 'react-router';
import type { z } from 'zod';
import { CsrfField } from './csrf-field.tsx';
import { adminLogInSchema, fieldErrors, formObject, logInSchema, PLANS, type FieldErrors } from './forms.ts';

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

/**
 * A list page's forms: one that creates (its `intent`, checked in the browser with `schema`) and the
 * rows' actions. A failure shows where it belongs: the create form's by its fields, a row action's
 * as one message above the list.
 */
export function useListForms(schema: z.ZodType, result: object | undefined, createIntent = 'create') {
  const failed =
    result && 'errors' in result
      ? (result as { errors: FieldErrors; values: Record<string, string> })
      : undefined;
  const creating = failed?.values.intent === createIntent ? failed : undefined;
  const { errors, onSubmit } = useFormSchema(schema, creating?.errors);
  const rowError =
    failed && !creating ? (failed.errors.form ?? Object.values(failed.errors).find(Boolean)) : undefined;
  return { failed, creating, errors, onSubmit, rowError };
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
  /** Several lines of text (a receipt's header): a text area this many rows high. */
  rows?: number;
  error: string | undefined;
}) {
  const id = `${props.idPrefix ?? 'field'}-${props.name}`;
  const described = [props.hint ? `${id}-hint` : '', props.error ? `${id}-error` : '']
    .filter(Boolean)
    .join(' ');
  const shared = {
    id,
    name: props.name,
    defaultValue: props.defaultValue,
    'aria-invalid': props.error ? true : undefined,
    'aria-describedby': described || undefined,
    required: props.required ?? true,
  };
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      {props.rows ? (
        <textarea {...shared} rows={props.rows} />
      ) : (
        <input
          {...shared}
          type={props.type ?? 'text'}
          autoComplete={props.autoComplete}
          inputMode={props.inputMode}
        />
      )}
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

/** The plans as large radio cards: choosing one to pay for, or to switch to (`current` marked). */
export function PlanChoices(props: {
  chosen: string;
  current?: string;
  hint?: string;
  error: string | undefined;
}) {
  const described = props.error ? 'plan-error' : props.hint ? 'plan-hint' : undefined;
  return (
    <fieldset className="plans" aria-describedby={described}>
      <legend>Plan</legend>
      {PLANS.map((plan) => (
        <label key={plan.id} className="plan">
          <input type="radio" name="plan" value={plan.id} defaultChecked={plan.id === props.chosen} />
          <span className="plan-name">
            {plan.name}
            {plan.id === props.current ? ' (current)' : ''}
          </span>
          <span className="plan-price">{plan.price}</span>
          <span className="muted">{plan.summary}</span>
        </label>
      ))}
      {props.hint ? (
        <p className="hint" id="plan-hint">
          {props.hint}
        </p>
      ) : null}
      {props.error ? (
        <p className="error" id="plan-error">
          {props.error}
        </p>
      ) : null}
    </fieldset>
  );
}

/** A checkbox with its label beside it (the label is the 44 px touch target). */
export function CheckboxField(props: {
  name: string;
  label: string;
  defaultChecked?: boolean;
  idPrefix?: string;
}) {
  const id = `${props.idPrefix ?? 'field'}-${props.name}`;
  return (
    <div className="check">
      <input id={id} type="checkbox" name={props.name} defaultChecked={props.defaultChecked} />
      <label htmlFor={id}>{props.label}</label>
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

/**
 * A POST form with the CSRF field, the `intent` the action switches on and hidden values (the
 * row's id, its version); laid out inline in a row, or as a block of fields (`block`).
 */
export function ActionForm({
  intent,
  fields = {},
  block = false,
  children,
  ...props
}: Omit<ComponentProps<typeof Form>, 'method'> & {
  intent?: string;
  fields?: Record<string, string | number>;
  block?: boolean;
  children: ReactNode;
}) {
  return (
    <Form method="post" className={block ? undefined : 'inline'} {...props}>
      <CsrfField />
      {intent ? <input type="hidden" name="intent" value={intent} /> : null}
      {Object.entries(fields).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      {children}
    </Form>
  );
}

/** The one input of a row action (a new name, a PIN): its label is for screen readers only. */
export function InlineInput({
  id,
  label,
  ...input
}: Omit<ComponentProps<'input'>, 'id'> & { id: string; label: string }) {
  return (
    <>
      <label htmlFor={id} className="visually-hidden">
        {label}
      </label>
      <input id={id} type="text" required {...input} />
    </>
  );
}

/** The one choice of a row action (a register's store, a category's parent): label for screen readers. */
export function InlineSelect({
  id,
  label,
  options,
  ...select
}: Omit<ComponentProps<'select'>, 'id' | 'children'> & {
  id: string;
  label: string;
  options: readonly { value: string; label: string }[];
}) {
  return (
    <>
      <label htmlFor={id} className="visually-hidden">
        {label}
      </label>
      <select id={id} {...select}>
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
    </>
  );
}

/** A form's key that changes after each success, so the form empties for the next entry. */
export const freshAfter = (result: object | undefined, name: string) =>
  result && 'ok' in result && typeof result.ok === 'string' ? result.ok : name;

/** What an action answered when it went through (`{ ok }`), as a banner read out on arrival. */
export function Outcome({ result }: { result: object | undefined }) {
  return result && 'ok' in result && typeof result.ok === 'string' ? (
    <p className="banner ok" role="status">
      {result.ok}
    </p>
  ) : null;
}

/** E-mail and password, checked with the log-in schema first: merchants' and operators' log-in. */
export function LogInForm(props: {
  result: { errors: FieldErrors; values: Record<string, string> } | undefined;
  /** `email` for merchants; `username` where the address is an operator's login name. */
  emailAutoComplete?: string;
  /** Platform operators: a second factor, the code of their authenticator app. */
  withCode?: boolean;
}) {
  const { errors, onSubmit } = useFormSchema(
    props.withCode ? adminLogInSchema : logInSchema,
    props.result?.errors,
  );
  const busy = useNavigation().state === 'submitting';
  return (
    <ActionForm block noValidate onSubmit={onSubmit}>
      <FormError message={errors.form} />
      <Field
        name="email"
        label="E-mail"
        type="email"
        autoComplete={props.emailAutoComplete ?? 'email'}
        defaultValue={props.result?.values.email}
        error={errors.email}
      />
      <Field
        name="password"
        label="Password"
        type="password"
        autoComplete="current-password"
        error={errors.password}
      />
      {props.withCode ? (
        <Field
          name="code"
          label="Code from your authenticator app"
          autoComplete="one-time-code"
          inputMode="numeric"
          error={errors.code}
        />
      ) : null}
      <button type="submit" disabled={busy}>
        Log in
      </button>
    </ActionForm>
  );
}
