using System.Diagnostics.CodeAnalysis;
using OpenMss.Core.Identifiers;

namespace OpenMss.Core.Addressing;

/// <summary>
/// A patient's address in Mon espace santé: <c>&lt;INS matricule&gt;@patient.mssante.fr</c>
/// (the INS key: docs/identifiers.md). The INS key is checked strictly: this is where a person or a
/// sending operator types the address, and a wrong key means a wrong patient.
/// </summary>
/// <remarks>
/// <see cref="Address"/> is lower case like every <see cref="MssAddress"/> (a Corsican <c>2A</c> reads
/// <c>2a</c> there); <see cref="Ins"/> keeps the canonical upper case. The address is health data: never log it.
/// <c>default</c> is not a valid address; obtain values from the parse methods or <see cref="For"/>.
/// </remarks>
public readonly record struct PatientAddress : IParsable<PatientAddress>
{
    private PatientAddress(InsMatricule ins, MssAddress address)
    {
        Ins = ins;
        Address = address;
    }

    /// <summary>The patient's INS matricule.</summary>
    public InsMatricule Ins { get; }

    /// <summary>The mailbox address.</summary>
    public MssAddress Address { get; }

    /// <summary>The address of the patient with this INS.</summary>
    /// <exception cref="ArgumentException">The INS is <c>default</c> or its key is wrong.</exception>
    public static PatientAddress For(InsMatricule ins)
    {
        if (!ins.IsKeyValid)
        {
            throw new ArgumentException("The INS matricule is missing or its key is wrong.", nameof(ins));
        }

        return new PatientAddress(ins, MssAddress.FromValidatedParts(ins.Value.ToLowerInvariant(), MssDomains.Patient));
    }

    /// <summary>Parses a patient address; surrounding whitespace is ignored.</summary>
    public static bool TryParse([NotNullWhen(true)] string? input, out PatientAddress address, out AddressError error)
    {
        address = default;
        if (!MssAddress.TryParse(input, out var mss, out error))
        {
            return false;
        }

        if (!mss.IsPatientDomain)
        {
            error = new AddressError(AddressErrorCode.NotPatientDomain);
            return false;
        }

        if (!InsMatricule.TryParse(mss.LocalPart, out var ins, out var insError))
        {
            error = new AddressError(AddressErrorCode.InvalidPatientIdentifier, insError);
            return false;
        }

        address = new PatientAddress(ins, mss);
        return true;
    }

    /// <summary>Parses a patient address.</summary>
    /// <exception cref="AddressFormatException">Not a valid patient address.</exception>
    public static PatientAddress Parse(string input)
        => TryParse(input, out var address, out var error) ? address : throw new AddressFormatException(error);

    static PatientAddress IParsable<PatientAddress>.Parse(string s, IFormatProvider? provider) => Parse(s);

    static bool IParsable<PatientAddress>.TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, out PatientAddress result)
        => TryParse(s, out result, out _);

    /// <inheritdoc/>
    public override string ToString() => Address.ToString();
}
