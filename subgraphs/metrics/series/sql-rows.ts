/** `(?, ?, ?), (?, ?, ?)`: the VALUES list of a multi-row insert of `rows` rows with `columns` each. */
export const placeholders = (rows: number, columns: number) => {
  const row = `(${Array.from({ length: columns }, () => '?').join(', ')})`;
  return Array.from({ length: rows }, () => row).join(', ');
};
