// What both CLIs' flag parsers share: number syntax and one-line messages for node:util parseArgs errors.

/** A decimal number as a flag's value: '12', '-0.5', '1e-4'; not '12abc', '' or '0x10'. */
export const isNumberText = (raw: string): boolean => /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(raw);

/** node:util parseArgs errors span several sentences and lines; keep one line that names the flag. */
export function describeParseArgsError(err: unknown): string {
  const e = err as { code?: string; message?: string };
  const message = e.message ?? String(err);
  const quoted = /'([^']*)'/.exec(message)?.[1] ?? '';
  const flag = quoted.split(' ')[0];
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown flag ${flag}`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument ${JSON.stringify(quoted)}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (message.includes('does not take an argument')) return `${flag}: takes no value`;
      if (message.includes('ambiguous')) return `${flag}: missing value (write ${flag}=VALUE for a value starting with "-")`;
      return `${flag}: missing value`;
    default:
      return message.split('\n')[0]!;
  }
}
