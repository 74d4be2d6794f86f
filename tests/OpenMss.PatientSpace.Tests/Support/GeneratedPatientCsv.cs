using System.Globalization;
using System.Text;
using OpenMss.Core.Identifiers;
using OpenMss.PatientSpace.Import;
using OpenMss.PatientSpace.Registry;

namespace OpenMss.PatientSpace.Tests;

/// <summary>
/// A patient CSV file produced as it is read (the tests and the registry benchmark): nothing of it is
/// ever whole in memory. Patient <c>i</c> has the INS <see cref="Ins"/>(i), valid and distinct.
/// </summary>
public sealed class GeneratedPatientCsv(int lines, PatientAccountState state = PatientAccountState.NotActivated) : Stream
{
    private static readonly PatientIdentity Identity = new("Camille", "TESTEUR", new DateOnly(1985, 1, 15), "camille.testeur@example.org", "8025000000");
    private readonly byte[] _header = Encoding.UTF8.GetBytes(PatientCsvFormat.HeaderLine + "\n");
    private byte[] _pending = [];
    private int _offset;
    private int _next = -1;

    /// <summary>
    /// The INS of generated patient <paramref name="i"/>: a man born in 1985, order number, commune,
    /// department and month taken from <paramref name="i"/> (distinct for a billion patients).
    /// </summary>
    public static InsMatricule Ins(int i) =>
        InsMatricule.FromNir(string.Create(CultureInfo.InvariantCulture,
            $"185{1 + (i / 95_000_000 % 12):00}{1 + (i / 1_000_000 % 95):00}{i / 1000 % 1000:000}{i % 1000:000}"));

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count)
    {
        if (_offset == _pending.Length)
        {
            if (_next >= lines)
            {
                return 0;
            }

            _pending = _next < 0 ? _header : Encoding.UTF8.GetBytes(PatientCsvFormat.Line(Ins(_next), Identity, state) + "\n");
            _next++;
            _offset = 0;
        }

        var n = Math.Min(count, _pending.Length - _offset);
        Array.Copy(_pending, _offset, buffer, offset, n);
        _offset += n;
        return n;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
