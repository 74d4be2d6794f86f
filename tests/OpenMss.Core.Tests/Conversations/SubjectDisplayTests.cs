using OpenMss.Core.Conversations;

namespace OpenMss.Core.Tests.Conversations;

public class SubjectDisplayTests
{
    [Theory]
    [InlineData("XDM/1.0/DDM+Compte rendu d'hospitalisation", "Compte rendu d'hospitalisation")]
    [InlineData("xdm/1.0/ddm+Résultats", "Résultats")]
    [InlineData("XDM/1.0/DDM Résultats", "Résultats")]
    [InlineData("XDM/1.0/DDM+", "")]
    [InlineData("  XDM/1.0/DDM+ Résultats ", "Résultats")]
    [InlineData("RE: XDM/1.0/DDM+Résultats", "RE: Résultats")]
    [InlineData("RE: TR: XDM/1.0/DDM+Résultats [FIN]", "RE: TR: Résultats [FIN]")]
    [InlineData("Résultats XDM/1.0/DDM+", "Résultats XDM/1.0/DDM+")]
    [InlineData("XDM/1.1/DDM+Résultats", "XDM/1.1/DDM+Résultats")]
    [InlineData("RE: Votre ordonnance", "RE: Votre ordonnance")]
    [InlineData("", "")]
    [InlineData(null, "")]
    public void The_XDM_prefix_is_hidden(string? subject, string shown) =>
        Assert.Equal(shown, SubjectDisplay.ForDisplay(subject));
}
